// Dense's product, dispatched by size: y = act(x * W + b) for x (M x K), W (K x N) in Keras' layout.
//
// Small products run the register-blocked kernel inline (no call overhead, no threads); large ones
// call cblas_sgemm (or sgemv for one row) and fuse bias and activation into one pass over the result.
// Without BLAS (TSHAPE_NO_BLAS) every size runs the blocked kernel, or under TSHAPE_COMPACT_KERNELS
// (microcontrollers) the compact one. The crossover sizes below were measured with bench/dense.
#pragma once
#include <cstddef>

#include "../../config.hpp"
#include "../activation/activation.hpp"
#include "../simd/simd.hpp"
#include "blas.hpp"
#include "blocked.hpp"
#include "compact.hpp"

namespace tshape::kernels::gemm {

/// Multiply-adds above which BLAS beats the inline kernel (several rows / one row).
inline constexpr long long blas_min_madds = 1LL << 20;
inline constexpr long long blas_min_madds_one_row = 1LL << 20;

/// True when this product goes to BLAS.
constexpr bool uses_blas([[maybe_unused]] long long M, [[maybe_unused]] long long N, [[maybe_unused]] long long K) {
#ifdef TSHAPE_NO_BLAS
  return false;
#else
  return M * N * K >= (M == 1 ? blas_min_madds_one_row : blas_min_madds);
#endif
}

/// y (M x N, row stride N) = act(x (M x K) * W (K x N) + bias); bias may be null.
template <class Act>
void dense(int M, int N, int K, const float* x, const float* W, const float* bias, float* y, const Act& act) {
  if (M <= 0 || N <= 0) return;
#ifndef TSHAPE_NO_BLAS
  if (uses_blas(M, N, K)) {
    if (M == 1)
      cblas_sgemv(CblasRowMajor, CblasTrans, K, N, 1.0f, W, N, x, 1, 0.0f, y, 1);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, x, K, W, N, 0.0f, y, N);
    for (int i = 0; i < M; ++i) {
      float* row = y + static_cast<std::ptrdiff_t>(i) * N;
      if (bias)
        for (int j = 0; j < N; ++j) row[j] += bias[j];
      activation::apply_inplace(act, row, N);
    }
    return;
  }
#endif
#ifdef TSHAPE_COMPACT_KERNELS
  compact(M, N, K, x, W, bias, y, act);
#else
  blocked<simd::native>(M, N, K, x, K, W, N, bias, y, N, act);
#endif
}

}  // namespace tshape::kernels::gemm
