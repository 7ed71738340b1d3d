// Register-blocked GEMM with a fused bias and activation, written once over a SIMD ISA (simd.hpp).
//
// C (M x N) = act(A (M x K) * B (K x N) + bias). B is in Keras' Dense layout (in, units), so a row of
// B is contiguous along N: a micro-tile keeps MR rows x NV vectors of C in registers, broadcasts one
// element of A per row and streams one row of B per k. Column tails use masked loads/stores; row
// tails use tiles of halving height (4, 2, 1 rows). Column blocks are the outer loop, so a K x (NV*W)
// panel of B stays in cache across all rows. B is not packed: Dense's weights are used in place.
//
// Two entries: blocked<V>(M, N, K, ...) with every size known at run time, and
// blocked_fixed<V, N, K>(M, ...) for Dense, whose N and K are template arguments: its tiles are
// chosen for N at compile time, its loops have constant trip counts and its masks are constants.
#pragma once
#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "../../config.hpp"
#include "../simd/simd.hpp"

namespace tshape::kernels::gemm {

/// A tile shape: MR rows by NV vectors of C in registers.
struct tile {
  int MR;
  int NV;
};

/// Register blocking per ISA, measured with bench/dense on AMD Zen 4 (bench/README.md).
///   for_columns(vecs): the tile for M > 1 when a column block has `vecs` (<= max_nv) vectors;
///   max_nv:            widest column block for M > 1 (N beyond it is cut into blocks);
///   row_nv:            widest column block for M == 1.
/// Registers needed: MR * NV accumulators, NV rows of B and one broadcast.
template <class V>
struct blocking {  // scalar and NEON (32 registers on AArch64)
  static constexpr int max_nv = 4;
  static constexpr int row_nv = 8;
  static constexpr tile for_columns(int vecs) {
    return vecs >= 4 ? tile{4, 4} : vecs == 3 ? tile{4, 3} : vecs == 2 ? tile{6, 2} : tile{8, 1};
  }
};
#if defined(TSHAPE_SIMD_AVX512)
template <>
struct blocking<simd::avx512> {  // 32 registers; every tile below runs at the FMA peak on Zen 4
  static constexpr int max_nv = 4;
  static constexpr int row_nv = 8;
  static constexpr tile for_columns(int vecs) { return vecs >= 3 ? tile{4, vecs} : tile{8, vecs}; }
};
#endif
#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2)
template <>
struct blocking<simd::avx2> {  // 16 registers
  static constexpr int max_nv = 2;
  static constexpr int row_nv = 8;
  static constexpr tile for_columns(int vecs) { return vecs >= 2 ? tile{6, 2} : tile{8, 1}; }
};
#endif

namespace detail {

/// K as a template argument when known (KS > 0), else at run time.
template <int KS>
TSHAPE_ALWAYS_INLINE int depth(int K) {
  if constexpr (KS > 0)
    return KS;
  else
    return K;
}

template <class V, bool Partial>
TSHAPE_ALWAYS_INLINE typename V::reg load_vec(const float* p, int v, int NV, int last) {
  return (Partial && v == NV - 1) ? V::load_partial(p + v * V::width, last) : V::load(p + v * V::width);
}

// C = act(acc + bias) for an MR x NV tile. The accumulators start at zero and the bias joins here:
// a branch on `bias` before the k loop makes g++ keep the accumulators in memory.
template <class V, int MR, int NV, bool Partial, class Act>
TSHAPE_ALWAYS_INLINE void store_tile(typename V::reg (&acc)[MR][NV], const float* bias, float* C, int ldc, int last,
                                     const Act& act) {
  constexpr int W = V::width;
  if (bias) {
    TSHAPE_UNROLL
    for (int v = 0; v < NV; ++v) {
      const typename V::reg b = load_vec<V, Partial>(bias, v, NV, last);
      TSHAPE_UNROLL
      for (int r = 0; r < MR; ++r) acc[r][v] = V::add(acc[r][v], b);
    }
  }
  TSHAPE_UNROLL
  for (int r = 0; r < MR; ++r) {
    float* crow = C + static_cast<std::ptrdiff_t>(r) * ldc;
    TSHAPE_UNROLL
    for (int v = 0; v < NV; ++v) {
      typename V::reg out = acc[r][v];
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

// Keeps a loaded row of B in a register. Without it, g++ folds the load into each of the MR FMAs
// that use it, and a tile of MR rows issues MR times the loads it needs: (4, 128, 128) ran at half
// the FMA rate.
template <class V>
TSHAPE_ALWAYS_INLINE void keep_in_register([[maybe_unused]] typename V::reg& r) {
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
  if constexpr (V::width > 1) asm("" : "+v"(r));
#endif
}

template <class V, int MR, int NV, bool Partial, int KS, class Act>
TSHAPE_ALWAYS_INLINE void micro_tile(int K_, const float* TSHAPE_RESTRICT A, int lda, const float* TSHAPE_RESTRICT B,
                                     int ldb, const float* bias, float* TSHAPE_RESTRICT C, int ldc, int last,
                                     const Act& act) {
  using reg = typename V::reg;
  const int K = depth<KS>(K_);
  reg acc[MR][NV];
  TSHAPE_UNROLL
  for (int r = 0; r < MR; ++r)
    TSHAPE_UNROLL
    for (int v = 0; v < NV; ++v) acc[r][v] = V::zero();
  for (int k = 0; k < K; ++k) {
    const float* brow = B + static_cast<std::ptrdiff_t>(k) * ldb;
    reg bv[NV];
    TSHAPE_UNROLL
    for (int v = 0; v < NV; ++v) {
      bv[v] = load_vec<V, Partial>(brow, v, NV, last);
      if constexpr (MR > 1) keep_in_register<V>(bv[v]);
    }
    TSHAPE_UNROLL
    for (int r = 0; r < MR; ++r) {
      const reg a = V::broadcast(A[static_cast<std::ptrdiff_t>(r) * lda + k]);
      TSHAPE_UNROLL
      for (int v = 0; v < NV; ++v) acc[r][v] = V::fma(a, bv[v], acc[r][v]);
    }
  }
  store_tile<V, MR, NV, Partial>(acc, bias, C, ldc, last, act);
}

#if defined(TSHAPE_SIMD_AVX512)
// One row, K fixed, AVX-512. With one row, each k costs NV loads of B and one broadcast of A[k]; with
// B in L1, loads are the bound (Zen 4: one 512-bit load per cycle), and a broadcast from memory takes
// a load slot too. So A is loaded 16 floats at a time and each A[k] is broadcast from that register
// with a lane permute, which runs beside the FMAs: 4-16 % less time than broadcasts from memory.
// With few vectors, S interleaved sets of accumulators (k = s mod S) keep up to 8 FMA chains going,
// so that the call's latency is not K chained FMAs; each set gets at least 8 values of k, or its
// final sum costs more than it saves.
template <int NV, int K>
inline constexpr int row_sets = std::max(1, std::min(NV >= 8 ? 1 : NV >= 4 ? 2 : NV == 3 ? 3 : 8 / NV, K / 8));

template <int S, int NV, bool Partial, int J>
TSHAPE_ALWAYS_INLINE void row_step(__m512 (&acc)[S][NV], __m512 a16, const float* brow, int last) {
  // The masked form: the plain one trips g++ 12's -Wmaybe-uninitialized inside its own header.
  const __m512 a = _mm512_maskz_permutexvar_ps(static_cast<__mmask16>(0xFFFF), _mm512_set1_epi32(J), a16);
  constexpr int s = J % S;
  TSHAPE_UNROLL
  for (int v = 0; v < NV; ++v)
    acc[s][v] = simd::avx512::fma(a, load_vec<simd::avx512, Partial>(brow, v, NV, last), acc[s][v]);
}

// Steps k0 + J for each lane J of a16 = A[k0 .. k0 + 16). A function, not a lambda: clang 14 left
// a lambda out of line, with the accumulators in memory (3.5x slower).
template <int S, int NV, bool Partial, int... J>
TSHAPE_ALWAYS_INLINE void row_steps(__m512 (&acc)[S][NV], __m512 a16, const float* b, int ldb, int last,
                                    std::integer_sequence<int, J...>) {
  (row_step<S, NV, Partial, J>(acc, a16, b + static_cast<std::ptrdiff_t>(J) * ldb, last), ...);
}

template <int NV, bool Partial, int K, class Act>
TSHAPE_ALWAYS_INLINE void one_row_avx512(const float* TSHAPE_RESTRICT A, const float* TSHAPE_RESTRICT B, int ldb,
                                         const float* bias, float* TSHAPE_RESTRICT C, int last, const Act& act) {
  using V = simd::avx512;
  constexpr int S = row_sets<NV, K>;
  __m512 acc[S][NV];
  TSHAPE_UNROLL
  for (int s = 0; s < S; ++s)
    TSHAPE_UNROLL
    for (int v = 0; v < NV; ++v) acc[s][v] = V::zero();
  for (int k = 0; k + 16 <= K; k += 16)
    row_steps<S, NV, Partial>(acc, V::load(A + k), B + static_cast<std::ptrdiff_t>(k) * ldb, ldb, last,
                              std::make_integer_sequence<int, 16>{});
  constexpr int rest = K % 16;
  if constexpr (rest > 0)
    row_steps<S, NV, Partial>(acc, V::load_partial(A + (K - rest), rest),
                              B + static_cast<std::ptrdiff_t>(K - rest) * ldb, ldb, last,
                              std::make_integer_sequence<int, rest>{});
  TSHAPE_UNROLL
  for (int n = S; n > 1; n = (n + 1) / 2) {  // pairwise: sets [h, n) join [0, n - h)
    const int h = (n + 1) / 2;
    TSHAPE_UNROLL
    for (int s = 0; s + h < n; ++s)
      TSHAPE_UNROLL
      for (int v = 0; v < NV; ++v) acc[s][v] = V::add(acc[s][v], acc[s + h][v]);
  }
  __m512 sum[1][NV];
  TSHAPE_UNROLL
  for (int v = 0; v < NV; ++v) sum[0][v] = acc[0][v];
  store_tile<V, 1, NV, Partial>(sum, bias, C, 0, last, act);
}
#endif

// Rows [i, M) of one column block, in tiles of T rows while they fit, then T/2, ..., 1.
template <class V, int T, int NV, bool Partial, int KS, class Act>
TSHAPE_ALWAYS_INLINE void row_tail(int i, int M, int K, const float* A, int lda, const float* B, int ldb,
                                   const float* bias, float* C, int ldc, int last, const Act& act) {
  if (M - i >= T) {
    micro_tile<V, T, NV, Partial, KS>(K, A + static_cast<std::ptrdiff_t>(i) * lda, lda, B, ldb, bias,
                                      C + static_cast<std::ptrdiff_t>(i) * ldc, ldc, last, act);
    i += T;
  }
  if constexpr (T > 1) row_tail<V, T / 2, NV, Partial, KS>(i, M, K, A, lda, B, ldb, bias, C, ldc, last, act);
}

// The largest power of two below n (n >= 2).
constexpr int pow2_below(int n) {
  int p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

// All rows for one column block of NV vectors: MR-row tiles, then the remaining rows.
template <class V, int MR, int NV, bool Partial, int KS, class Act>
void column_block(int M, int K, const float* A, int lda, const float* B, int ldb, const float* bias, float* C, int ldc,
                  int last, const Act& act) {
  int i = 0;
  for (; i + MR <= M; i += MR)
    micro_tile<V, MR, NV, Partial, KS>(K, A + static_cast<std::ptrdiff_t>(i) * lda, lda, B, ldb, bias,
                                       C + static_cast<std::ptrdiff_t>(i) * ldc, ldc, last, act);
  if constexpr (MR > 1) {
    // Up to MR - 1 rows remain: tiles of 2^j < MR rows, largest first.
    if (i < M) row_tail<V, pow2_below(MR), NV, Partial, KS>(i, M, K, A, lda, B, ldb, bias, C, ldc, last, act);
  }
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
    column_block<V, MR, NV, false, 0>(M, K, A, lda, B, ldb, bias, C, ldc, last, act);
  else
    column_block<V, MR, NV, true, 0>(M, K, A, lda, B, ldb, bias, C, ldc, last, act);
}

template <class V, int MR, int NR, class Act>
void blocked_gemm(int M, int N, int K, const float* A, int lda, const float* B, int ldb, const float* bias, float* C,
                  int ldc, const Act& act) {
  constexpr int step = NR * V::width;
  for (int j = 0; j < N; j += step)  // with K == 0, B may be null: no offset then
    column_dispatch<V, MR, NR>(std::min(step, N - j), M, K, A, lda, K > 0 ? B + j : B, ldb, bias ? bias + j : nullptr,
                               C + j, ldc, act);
}

// Compile-time N and K, one row: column blocks of row_nv vectors, the last one COLS columns.
template <class V, int COLS, int K, class Act>
TSHAPE_ALWAYS_INLINE void fixed_row_block(const float* A, const float* B, int ldb, const float* bias, float* C,
                                          const Act& act) {
  constexpr int W = V::width;
  constexpr int nv = (COLS + W - 1) / W;
  constexpr int last = COLS - (nv - 1) * W;
#if defined(TSHAPE_SIMD_AVX512)
  if constexpr (std::is_same_v<V, simd::avx512>) {
    one_row_avx512<nv, last != W, K>(A, B, ldb, bias, C, last, act);
    return;
  }
#endif
  micro_tile<V, 1, nv, last != W, K>(K, A, 0, B, ldb, bias, C, 0, last, act);
}

template <class V, int N, int K, class Act>
void fixed_one_row(const float* A, const float* B, int ldb, const float* bias, float* C, const Act& act) {
  constexpr int step = blocking<V>::row_nv * V::width;
  constexpr int full = N / step, rest = N % step;
  for (int j = 0; j < full * step; j += step)
    fixed_row_block<V, step, K>(A, B + j, ldb, bias ? bias + j : nullptr, C + j, act);
  if constexpr (rest > 0)
    fixed_row_block<V, rest, K>(A, B + full * step, ldb, bias ? bias + full * step : nullptr, C + full * step, act);
}

// Compile-time N, several rows: column blocks of max_nv vectors, the last one COLS columns. K is a
// template argument when KS > 0, else the run-time K (a product over a batch, K = its rows).
template <class V, int COLS, int KS, class Act>
TSHAPE_ALWAYS_INLINE void fixed_rows_block(int M, int K, const float* A, int lda, const float* B, int ldb,
                                           const float* bias, float* C, int ldc, const Act& act) {
  constexpr int W = V::width;
  constexpr int nv = (COLS + W - 1) / W;
  constexpr int last = COLS - (nv - 1) * W;
  constexpr tile t = blocking<V>::for_columns(nv);
  column_block<V, t.MR, nv, last != W, KS>(M, K, A, lda, B, ldb, bias, C, ldc, last, act);
}

template <class V, int N, int KS, class Act>
void fixed_columns(int M, int K, const float* A, int lda, const float* B, int ldb, const float* bias, float* C,
                   int ldc, const Act& act) {
  constexpr int step = blocking<V>::max_nv * V::width;
  constexpr int full = N / step, rest = N % step;
  for (int j = 0; j < full * step; j += step)
    fixed_rows_block<V, step, KS>(M, K, A, lda, B + j, ldb, bias ? bias + j : nullptr, C + j, ldc, act);
  if constexpr (rest > 0)
    fixed_rows_block<V, rest, KS>(M, K, A, lda, B + full * step, ldb, bias ? bias + full * step : nullptr,
                                  C + full * step, ldc, act);
}

// Compile-time N and K, several rows.
template <class V, int N, int K, class Act>
TSHAPE_ALWAYS_INLINE void fixed_rows(int M, const float* A, int lda, const float* B, int ldb, const float* bias,
                                     float* C, int ldc, const Act& act) {
  fixed_columns<V, N, K>(M, K, A, lda, B, ldb, bias, C, ldc, act);
}

// No products (K = 0): C = act(bias), and B (possibly null) is never touched.
template <class Act>
void bias_only(int M, int N, const float* bias, float* C, int ldc, const Act& act) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) C[static_cast<std::ptrdiff_t>(i) * ldc + j] = act(bias ? bias[j] : 0.0f);
}

}  // namespace detail

/// C = act(A * B + bias) with V's registers; bias may be null. Strides are in elements.
template <class V, class Act>
void blocked(int M, int N, int K, const float* A, int lda, const float* B, int ldb, const float* bias, float* C, int ldc,
             const Act& act) {
  using blk = blocking<V>;
  constexpr tile t = blk::for_columns(blk::max_nv);
  if (K <= 0) return detail::bias_only(M, N, bias, C, ldc, act);
  if (M == 1)
    detail::blocked_gemm<V, 1, blk::row_nv>(M, N, K, A, lda, B, ldb, bias, C, ldc, act);
  else
    detail::blocked_gemm<V, t.MR, blk::max_nv>(M, N, K, A, lda, B, ldb, bias, C, ldc, act);
}

/// The same with N and K known at compile time (Dense's units and input features).
template <class V, int N, int K, class Act>
TSHAPE_ALWAYS_INLINE void blocked_fixed(int M, const float* A, int lda, const float* B, int ldb, const float* bias,
                                        float* C, int ldc, const Act& act) {
  static_assert(N > 0 && K >= 0, "tshape: blocked_fixed needs N > 0 and K >= 0");
  if constexpr (K == 0)
    blocked<V>(M, N, K, A, lda, B, ldb, bias, C, ldc, act);
  else if (M == 1)
    detail::fixed_one_row<V, N, K>(A, B, ldb, bias, C, act);
  else if (M > 1)
    detail::fixed_rows<V, N, K>(M, A, lda, B, ldb, bias, C, ldc, act);
}

/// The same with N known at compile time and K at run time: the tiles N needs and no others, where
/// blocked<V> compiles every column-block width. Each element's sum runs over k in the same order
/// as in blocked<V>, so the results are the same to the bit.
template <class V, int N, class Act>
void blocked_columns(int M, int K, const float* A, int lda, const float* B, int ldb, const float* bias, float* C,
                     int ldc, const Act& act) {
  static_assert(N > 0, "tshape: blocked_columns needs N > 0");
  if (K <= 0) return detail::bias_only(M, N, bias, C, ldc, act);
  detail::fixed_columns<V, N, 0>(M, K, A, lda, B, ldb, bias, C, ldc, act);
}

}  // namespace tshape::kernels::gemm
