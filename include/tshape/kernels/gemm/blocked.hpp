// Register-blocked GEMM with a fused bias and activation, written once over a SIMD ISA (simd.hpp).
//
// C (M x N) = act(A (M x K) * B (K x N) + bias). B is in Keras' Dense layout (in, units), so a row of
// B is contiguous along N: the micro-tile keeps MR rows x NV vectors of C in registers, broadcasts
// one element of A per row and streams one row of B per k. Column tails use masked loads/stores.
// Column blocks are the outer loop, so a K x (NV*W) panel of B stays in cache across all rows.
#pragma once
#include <algorithm>
#include <cstddef>

#include "../../config.hpp"
#include "../simd/simd.hpp"

namespace tshape::kernels::gemm {

/// Register blocking per ISA: MR rows by NR vectors (and NR_ROW vectors when there is one row).
template <class V>
struct blocking {
  static constexpr int MR = 4;
  static constexpr int NR = 4;
  static constexpr int NR_ROW = 8;
};
#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2)
template <>
struct blocking<simd::avx2> {  // 16 registers: 4 x 2 accumulators, 2 loads, 1 broadcast
  static constexpr int MR = 4;
  static constexpr int NR = 2;
  static constexpr int NR_ROW = 8;
};
#endif

namespace detail {

template <class V, int MR, int NV, bool Partial, class Act>
TSHAPE_ALWAYS_INLINE void micro_tile(int K, const float* TSHAPE_RESTRICT A, int lda, const float* TSHAPE_RESTRICT B,
                                     int ldb, const float* bias, float* TSHAPE_RESTRICT C, int ldc, int last,
                                     const Act& act) {
  constexpr int W = V::width;
  using reg = typename V::reg;
  reg acc[MR][NV];
  for (int v = 0; v < NV; ++v) {
    reg b0 = V::zero();
    if (bias) b0 = (Partial && v == NV - 1) ? V::load_partial(bias + v * W, last) : V::load(bias + v * W);
    for (int r = 0; r < MR; ++r) acc[r][v] = b0;
  }
  for (int k = 0; k < K; ++k) {
    const float* brow = B + static_cast<std::ptrdiff_t>(k) * ldb;
    reg bv[NV];
    for (int v = 0; v < NV; ++v)
      bv[v] = (Partial && v == NV - 1) ? V::load_partial(brow + v * W, last) : V::load(brow + v * W);
    for (int r = 0; r < MR; ++r) {
      const reg a = V::broadcast(A[static_cast<std::ptrdiff_t>(r) * lda + k]);
      for (int v = 0; v < NV; ++v) acc[r][v] = V::fma(a, bv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    float* crow = C + static_cast<std::ptrdiff_t>(r) * ldc;
    for (int v = 0; v < NV; ++v) {
      reg out = acc[r][v];
      if constexpr (Act::vectorized) out = act.template apply<V>(out);
      if (Partial && v == NV - 1)
        V::store_partial(crow + v * W, out, last);
      else
        V::store(crow + v * W, out);
    }
    if constexpr (!Act::vectorized) {
      const int cols = (NV - 1) * W + (Partial ? last : W);
      for (int j = 0; j < cols; ++j) crow[j] = act(crow[j]);
    }
  }
}

// All rows for one column block of NV vectors: MR-row tiles, then the remaining rows one tile.
template <class V, int MR, int NV, bool Partial, class Act>
void column_block(int M, int K, const float* A, int lda, const float* B, int ldb, const float* bias, float* C, int ldc,
                  int last, const Act& act) {
  int i = 0;
  for (; i + MR <= M; i += MR)
    micro_tile<V, MR, NV, Partial>(K, A + static_cast<std::ptrdiff_t>(i) * lda, lda, B, ldb, bias,
                                   C + static_cast<std::ptrdiff_t>(i) * ldc, ldc, last, act);
  const int rest = M - i;
  const float* a = A + static_cast<std::ptrdiff_t>(i) * lda;
  float* c = C + static_cast<std::ptrdiff_t>(i) * ldc;
  if constexpr (MR > 1) {
    if (rest == 1) micro_tile<V, 1, NV, Partial>(K, a, lda, B, ldb, bias, c, ldc, last, act);
  }
  if constexpr (MR > 2) {
    if (rest == 2) micro_tile<V, 2, NV, Partial>(K, a, lda, B, ldb, bias, c, ldc, last, act);
  }
  if constexpr (MR > 3) {
    if (rest == 3) micro_tile<V, 3, NV, Partial>(K, a, lda, B, ldb, bias, c, ldc, last, act);
  }
  static_assert(MR <= 4, "tshape: extend the row tail above for MR > 4");
}

// Dispatches a column block of `cols` columns to the tile with ceil(cols / W) vectors.
template <class V, int MR, int NV, class Act>
void column_dispatch(int cols, int M, int K, const float* A, int lda, const float* B, int ldb, const float* bias,
                     float* C, int ldc, const Act& act) {
  constexpr int W = V::width;
  if constexpr (NV > 1) {
    if (cols <= (NV - 1) * W) return column_dispatch<V, MR, NV - 1>(cols, M, K, A, lda, B, ldb, bias, C, ldc, act);
  }
  const int last = cols - (NV - 1) * W;
  if (last == W)
    column_block<V, MR, NV, false>(M, K, A, lda, B, ldb, bias, C, ldc, last, act);
  else
    column_block<V, MR, NV, true>(M, K, A, lda, B, ldb, bias, C, ldc, last, act);
}

template <class V, int MR, int NR, class Act>
void blocked_gemm(int M, int N, int K, const float* A, int lda, const float* B, int ldb, const float* bias, float* C,
                  int ldc, const Act& act) {
  constexpr int step = NR * V::width;
  for (int j = 0; j < N; j += step)  // with K == 0, B may be null: no offset then
    column_dispatch<V, MR, NR>(std::min(step, N - j), M, K, A, lda, K > 0 ? B + j : B, ldb, bias ? bias + j : nullptr,
                               C + j, ldc, act);
}
}  // namespace detail

/// C = act(A * B + bias) with V's registers; bias may be null. Strides are in elements.
template <class V, class Act>
void blocked(int M, int N, int K, const float* A, int lda, const float* B, int ldb, const float* bias, float* C, int ldc,
             const Act& act) {
  using blk = blocking<V>;
  if (M == 1)
    detail::blocked_gemm<V, 1, blk::NR_ROW>(M, N, K, A, lda, B, ldb, bias, C, ldc, act);
  else
    detail::blocked_gemm<V, blk::MR, blk::NR>(M, N, K, A, lda, B, ldb, bias, C, ldc, act);
}

}  // namespace tshape::kernels::gemm
