// The two products a backward pass needs besides Dense's own (gemm.hpp), both accumulating:
//   gemm_nt: C (M x N) += A (M x K) * B^T, B stored (N x K)   dx = dz . kernel^T
//   gemm_tn: C (M x N) += A^T * B, A stored (K x M), B (K x N)  dkernel += x^T . dz
// Large products go to cblas_sgemm with the transpose flags; small ones, and every product without
// BLAS, run the loops below: dot products of contiguous rows (nt) and rank-1 row updates (tn), on
// V's registers. Their scalar reference twin is reference.hpp's triple loop on transposed copies.
#pragma once
#include <cstddef>

#include "../../config.hpp"
#include "../simd/simd.hpp"
#include "blas.hpp"

namespace tshape::kernels::gemm {

/// Below this many multiply-adds the loops beat a BLAS call (its packing and dispatch).
inline constexpr long long transposed_blas_min_madds = 1LL << 15;

namespace detail {
/// sum_k a[k] * b[k], four rows of b at once.
template <class V>
TSHAPE_ALWAYS_INLINE void dot4(const float* a, const float* b0, const float* b1, const float* b2, const float* b3, int K,
                               float (&out)[4]) {
  constexpr int W = V::width;
  using reg = typename V::reg;
  reg s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero();
  int k = 0;
  for (; k + W <= K; k += W) {
    const reg av = V::load(a + k);
    s0 = V::fma(av, V::load(b0 + k), s0);
    s1 = V::fma(av, V::load(b1 + k), s1);
    s2 = V::fma(av, V::load(b2 + k), s2);
    s3 = V::fma(av, V::load(b3 + k), s3);
  }
  float l0[W], l1[W], l2[W], l3[W];
  V::store(l0, s0), V::store(l1, s1), V::store(l2, s2), V::store(l3, s3);
  out[0] = out[1] = out[2] = out[3] = 0.0f;
  for (int i = 0; i < W; ++i) out[0] += l0[i], out[1] += l1[i], out[2] += l2[i], out[3] += l3[i];
  for (; k < K; ++k) {
    out[0] += a[k] * b0[k];
    out[1] += a[k] * b1[k];
    out[2] += a[k] * b2[k];
    out[3] += a[k] * b3[k];
  }
}

/// y[0..n) += s * x[0..n).
template <class V>
TSHAPE_ALWAYS_INLINE void axpy(float s, const float* x, float* y, int n) {
  constexpr int W = V::width;
  const typename V::reg sv = V::broadcast(s);
  int j = 0;
  for (; j + W <= n; j += W) V::store(y + j, V::fma(sv, V::load(x + j), V::load(y + j)));
  for (; j < n; ++j) y[j] += s * x[j];
}
}  // namespace detail

/// C (M x N, row stride N) += A (M x K) * B^T with B stored as (N x K): tshape's loops on V.
template <class V = simd::native>
void gemm_nt_loops(int M, int N, int K, const float* A, const float* B, float* C) {
  for (int i = 0; i < M; ++i) {
    const float* a = A + static_cast<std::ptrdiff_t>(i) * K;
    float* c = C + static_cast<std::ptrdiff_t>(i) * N;
    int j = 0;
    for (; j + 4 <= N; j += 4) {
      float s[4];
      const float* b = B + static_cast<std::ptrdiff_t>(j) * K;
      detail::dot4<V>(a, b, b + K, b + 2 * K, b + 3 * K, K, s);
      c[j] += s[0], c[j + 1] += s[1], c[j + 2] += s[2], c[j + 3] += s[3];
    }
    for (; j < N; ++j) {
      const float* b = B + static_cast<std::ptrdiff_t>(j) * K;
      float s = 0.0f;
      for (int k = 0; k < K; ++k) s += a[k] * b[k];
      c[j] += s;
    }
  }
}

/// C (M x N, row stride N) += A^T * B with A stored as (K x M) and B as (K x N): tshape's loops on V.
template <class V = simd::native>
void gemm_tn_loops(int M, int N, int K, const float* A, const float* B, float* C) {
  for (int k = 0; k < K; ++k) {
    const float* a = A + static_cast<std::ptrdiff_t>(k) * M;
    const float* b = B + static_cast<std::ptrdiff_t>(k) * N;
    for (int i = 0; i < M; ++i)
      if (a[i] != 0.0f) detail::axpy<V>(a[i], b, C + static_cast<std::ptrdiff_t>(i) * N, N);
  }
}

/// C (M x N) += A (M x K) * B^T, B stored (N x K): BLAS for large products, else the loops.
template <class V = simd::native>
void gemm_nt(int M, int N, int K, const float* A, const float* B, float* C) {
  if (M <= 0 || N <= 0 || K <= 0) return;
#ifndef TSHAPE_NO_BLAS
  if (1LL * M * N * K >= transposed_blas_min_madds) {
    tshape::detail::blas_rows(M, 1LL * M * N * K, [&](int r0, int r1) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, N, K, 1.0f, A + static_cast<std::ptrdiff_t>(r0) * K, K,
                  B, K, 1.0f, C + static_cast<std::ptrdiff_t>(r0) * N, N);
    });
    return;
  }
#endif
  gemm_nt_loops<V>(M, N, K, A, B, C);
}

/// C (M x N) += A^T * B, A stored (K x M), B (K x N): BLAS for large products, else the loops.
template <class V = simd::native>
void gemm_tn(int M, int N, int K, const float* A, const float* B, float* C) {
  if (M <= 0 || N <= 0 || K <= 0) return;
#ifndef TSHAPE_NO_BLAS
  if (1LL * M * N * K >= transposed_blas_min_madds) {
    // Rows r0..r1 of C are columns r0..r1 of A (stored K x M).
    tshape::detail::blas_rows(M, 1LL * M * N * K, [&](int r0, int r1) {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r1 - r0, N, K, 1.0f, A + r0, M, B, N, 1.0f,
                  C + static_cast<std::ptrdiff_t>(r0) * N, N);
    });
    return;
  }
#endif
  gemm_tn_loops<V>(M, N, K, A, B, C);
}

/// bias_grad (N) += the sum of the rows of dz (M x N).
template <class V = simd::native>
void add_column_sums(int M, int N, const float* dz, float* bias_grad) {
  for (int i = 0; i < M; ++i) detail::axpy<V>(1.0f, dz + static_cast<std::ptrdiff_t>(i) * N, bias_grad, N);
}

}  // namespace tshape::kernels::gemm
