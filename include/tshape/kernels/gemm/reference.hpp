// The scalar reference twin of every GEMM path: the plain triple loop, accumulated in double.
// Tests compare the fast kernels against it; nothing else uses it.
#pragma once
#include <cstddef>

namespace tshape::kernels::gemm {

/// C (M x N) = A (M x K) * B (K x N) + bias (N, or null), all row-major with the given row strides.
inline void reference(int M, int N, int K, const float* A, int lda, const float* B, int ldb, const float* bias,
                      float* C, int ldc) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double s = bias ? bias[j] : 0.0;
      for (int k = 0; k < K; ++k) s += static_cast<double>(A[static_cast<std::ptrdiff_t>(i) * lda + k]) *
                                       static_cast<double>(B[static_cast<std::ptrdiff_t>(k) * ldb + j]);
      C[static_cast<std::ptrdiff_t>(i) * ldc + j] = static_cast<float>(s);
    }
}

}  // namespace tshape::kernels::gemm
