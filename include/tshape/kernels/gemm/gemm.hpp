// Dense's product, dispatched by size: y = act(x * W + b) for x (M x K), W (K x N) in Keras' layout.
//
// Small products run the register-blocked kernel inline (no call overhead, no threads); large ones
// call cblas_sgemm (or sgemv for one row) and fuse bias and activation into one pass over the result.
// Without BLAS (TSHAPE_NO_BLAS) every size runs the blocked kernel, or under TSHAPE_COMPACT_KERNELS
// (microcontrollers) the compact one. The crossover sizes below were measured with bench/dense.
#pragma once
#include <cstddef>
#include <type_traits>

#include "../../config.hpp"
#include "../../threads/thread_pool.hpp"
#include "../activation/activation.hpp"
#include "../simd/simd.hpp"
#include "blas.hpp"
#include "blocked.hpp"
#include "compact.hpp"

namespace tshape::kernels::gemm {

/// Where BLAS takes over from the inline kernel, measured on AMD Zen 4 with bench/dense and a grid
/// of shapes (bench/README.md). On one thread the inline kernel runs at the FMA peak while the
/// weights stay in cache without packing, and beats OpenBLAS' sgemm there (no packing, no call).
/// Beyond 4 MiB of weights sgemm's packing wins; beyond ~2^27 multiply-adds (>1 ms) the two are
/// even and sgemm is the more robust under cache pressure from other processes. One row is a
/// matrix-vector product bound by reading the weights: the inline kernel reads them in one
/// sequential stream when N fits one column block (128 floats), and beats sgemv at any K there
/// (1.1-1.5x); wider rows are read in strided blocks, where sgemv wins once they leave L2. With
/// several BLAS threads, BLAS also takes the products its threads speed up.
inline constexpr long long inline_max_weights = 1LL << 20;          // K * N, several rows (4 MiB)
inline constexpr long long inline_max_weights_one_row = 1LL << 16;  // K * N, one row (256 KiB) ...
inline constexpr long long inline_max_columns_one_row = 128;        // ... unless N is at most this
inline constexpr long long blas_min_madds = 1LL << 27;              // M * N * K, one BLAS thread
inline constexpr long long blas_min_madds_threaded = 1LL << 24;     // M * N * K, several BLAS threads

/// True when this product goes to BLAS, given how many threads BLAS runs on.
constexpr bool uses_blas([[maybe_unused]] long long M, [[maybe_unused]] long long N, [[maybe_unused]] long long K,
                         [[maybe_unused]] int blas_threads = 1) {
#ifdef TSHAPE_NO_BLAS
  return false;
#else
  if (M == 1) return N > inline_max_columns_one_row && K * N > inline_max_weights_one_row;
  return K * N > inline_max_weights || M * N * K >= (blas_threads > 1 ? blas_min_madds_threaded : blas_min_madds);
#endif
}

namespace detail {

/// y (M x N) = act(y + bias), one pass over the result (bias may be null).
template <class Act>
void bias_activation(int M, int N, const float* bias, float* y, const Act& act) {
  using V = simd::native;
  constexpr int W = V::width;
  for (int i = 0; i < M; ++i) {
    float* row = y + static_cast<std::ptrdiff_t>(i) * N;
    if constexpr (Act::vectorized) {
      int j = 0;
      for (; j + W <= N; j += W) {
        typename V::reg v = V::load(row + j);
        if (bias) v = V::add(v, V::load(bias + j));
        V::store(row + j, act.template apply<V>(v));
      }
      for (; j < N; ++j) row[j] = act(bias ? row[j] + bias[j] : row[j]);
    } else {
      if (bias)
        for (int j = 0; j < N; ++j) row[j] = act(row[j] + bias[j]);
      else
        for (int j = 0; j < N; ++j) row[j] = act(row[j]);
    }
  }
}

#ifndef TSHAPE_NO_BLAS
/// uses_blas with BLAS' thread count, asked only when it can change the answer.
inline bool use_blas_now(long long M, long long N, long long K) {
  if (uses_blas(M, N, K)) return true;
  return M * N * K >= blas_min_madds_threaded && uses_blas(M, N, K, blas_threads());
}

template <class Act>
void blas_dense(int M, int N, int K, const float* x, const float* W, const float* bias, float* y, const Act& act) {
  if (M == 1) {  // one row: blocks of columns, each W's columns n0..n1 (row stride N)
    tshape::detail::blas_rows(N, 1LL * N * K, [&](int n0, int n1) {
      cblas_sgemv(CblasRowMajor, CblasTrans, K, n1 - n0, 1.0f, W + n0, N, x, 1, 0.0f, y + n0, 1);
      if (bias || !std::is_same_v<Act, activation::linear>) bias_activation(1, n1 - n0, bias ? bias + n0 : nullptr, y + n0, act);
    });
    return;
  }
  tshape::detail::blas_rows(M, 1LL * M * N * K, [&](int r0, int r1) {
    float* block = y + static_cast<std::ptrdiff_t>(r0) * N;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, N, K, 1.0f, x + static_cast<std::ptrdiff_t>(r0) * K,
                K, W, N, 0.0f, block, N);
    if (bias || !std::is_same_v<Act, activation::linear>) bias_activation(r1 - r0, N, bias, block, act);
  });
}
#endif

/// Calls rows(r0, r1) over [0, M): at once, or in blocks of whole 8-row tiles (none of a single row,
/// which a different tile would sum in another order) on the shared pool when the product is large.
template <class Rows>
void split_rows(int M, long long work, const Rows& rows) {
  const int parts = M < 16 ? 1 : tshape::detail::parallel_parts(work, M / 8);
  if (parts <= 1) return rows(0, M);
  const int tiles = M / 8;
  tshape::detail::parallel_for(parts, [&](int p, float*) {
    const int r0 = 8 * (tiles * p / parts);
    const int r1 = p + 1 == parts ? M : 8 * (tiles * (p + 1) / parts);
    rows(r0, r1);
  });
}

}  // namespace detail

/// y (M x N, row stride N) = act(x (M x K) * W (K x N) + bias); bias may be null. The inline kernel
/// runs on V's registers (tests pick each ISA the target has; everything else takes the default).
/// A large enough product runs on the shared thread pool, in blocks of rows.
template <class V = simd::native, class Act>
void dense(int M, int N, int K, const float* x, const float* W, const float* bias, float* y, const Act& act) {
  if (M <= 0 || N <= 0) return;
#ifndef TSHAPE_NO_BLAS
  if (detail::use_blas_now(M, N, K)) return detail::blas_dense(M, N, K, x, W, bias, y, act);
#endif
#ifdef TSHAPE_COMPACT_KERNELS
  compact(M, N, K, x, W, bias, y, act);
#else
  detail::split_rows(M, 1LL * M * N * K, [&](int r0, int r1) {
    blocked<V>(r1 - r0, N, K, x + static_cast<std::ptrdiff_t>(r0) * K, K, W, N, bias, y + static_cast<std::ptrdiff_t>(r0) * N,
               N, act);
  });
#endif
}

/// The same for Dense, whose N (units) and K (input features) are known at compile time: the
/// inline kernel's tiles and loops are fixed for them.
template <int N, int K, class Act>
void dense(int M, const float* x, const float* W, const float* bias, float* y, const Act& act) {
  if (M <= 0) return;
#ifndef TSHAPE_NO_BLAS
  if (detail::use_blas_now(M, N, K)) return detail::blas_dense(M, N, K, x, W, bias, y, act);
#endif
#ifdef TSHAPE_COMPACT_KERNELS
  compact(M, N, K, x, W, bias, y, act);
#else
  if (M == 1) return blocked_fixed<simd::native, N, K>(M, x, K, W, N, bias, y, N, act);
  detail::split_rows(M, 1LL * M * N * K, [&](int r0, int r1) {
    blocked_fixed<simd::native, N, K>(r1 - r0, x + static_cast<std::ptrdiff_t>(r0) * K, K, W, N, bias,
                                      y + static_cast<std::ptrdiff_t>(r0) * N, N, act);
  });
#endif
}

/// dense<V>(M, N, K, ...) with N and K known at compile time, and the same results to the bit: the
/// same tiles' sums in the same order (dense<N, K> may split a single row's K into several sums).
/// For kernels that must match the runtime form with only the tiles N and K need compiled.
template <int N, int K, class V = simd::native, class Act>
void dense_fixed_rows(int M, const float* x, const float* W, const float* bias, float* y, const Act& act) {
  if (M <= 0) return;
#ifndef TSHAPE_NO_BLAS
  if (detail::use_blas_now(M, N, K)) return detail::blas_dense(M, N, K, x, W, bias, y, act);
#endif
#ifdef TSHAPE_COMPACT_KERNELS
  compact(M, N, K, x, W, bias, y, act);
#else
  if constexpr (K == 0)
    blocked<V>(M, N, K, x, K, W, N, bias, y, N, act);
  else
    detail::split_rows(M, 1LL * M * N * K, [&](int r0, int r1) {
      detail::fixed_rows<V, N, K>(r1 - r0, x + static_cast<std::ptrdiff_t>(r0) * K, K, W, N, bias,
                                  y + static_cast<std::ptrdiff_t>(r0) * N, N, act);
    });
#endif
}

}  // namespace tshape::kernels::gemm
