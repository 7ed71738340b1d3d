// The backward pass's products (kernels/gemm/transposed.hpp) against the reference triple loop on
// transposed copies, on every ISA the target has, and through the BLAS dispatch.
#include <tshape/kernels/gemm/reference.hpp>
#include <tshape/kernels/gemm/transposed.hpp>

#include <tuple>
#include <vector>

#include "../support.hpp"

using namespace tshape;
using namespace tshape::kernels;

namespace {
std::vector<float> transpose(const std::vector<float>& a, int rows, int cols) {
  std::vector<float> t(a.size());
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) t[static_cast<std::size_t>(j) * rows + i] = a[static_cast<std::size_t>(i) * cols + j];
  return t;
}

// C0 + A B^T and C0 + A^T B, each through `nt` and `tn`, against the reference.
template <class NT, class TN>
void check(int M, int N, int K, NT nt, TN tn) {
  INFO("M=" << M << " N=" << N << " K=" << K);
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(M * 7919 + N * 131 + K));
  std::vector<float> a(static_cast<std::size_t>(M) * K), b(static_cast<std::size_t>(K) * N),
      c0(static_cast<std::size_t>(M) * N), expected(c0.size());
  rnd.fill(a);
  rnd.fill(b);
  rnd.fill(c0);
  gemm::reference(M, N, K, a.data(), K, b.data(), N, nullptr, expected.data(), N);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] += c0[i];
  // nt takes B as (N x K); tn takes A as (K x M).
  auto c = c0;
  const auto bt = transpose(b, K, N);
  nt(M, N, K, a.data(), bt.data(), c.data());
  tshape_test::require_close(c, expected, 1e-5, 1e-5 * K);
  c = c0;
  const auto at = transpose(a, M, K);
  tn(M, N, K, at.data(), b.data(), c.data());
  tshape_test::require_close(c, expected, 1e-5, 1e-5 * K);
}

template <class V>
void check_loops() {
  for (int M : {1, 2, 3, 5, 8, 13})
    for (int N : {1, 3, 4, 5, 8, 9, 17, 33})
      for (int K : {1, 2, 7, 16, 17, 40})
        check(M, N, K, gemm::gemm_nt_loops<V>, gemm::gemm_tn_loops<V>);
}
}  // namespace

TEST_CASE("gemm transposed: the scalar loops agree with the reference", "[kernels][gemm][train]") {
  check_loops<simd::scalar>();
}
TEST_CASE("gemm transposed: the native SIMD loops agree with the reference", "[kernels][gemm][train]") {
  INFO("native ISA: " << simd::native::name);
  check_loops<simd::native>();
}
#if defined(TSHAPE_SIMD_AVX512)
TEST_CASE("gemm transposed: the AVX2 loops agree with the reference (on an AVX-512 build)", "[kernels][gemm][train]") {
  check_loops<simd::avx2>();
}
#endif
TEST_CASE("gemm transposed: the dispatch (loops or BLAS) agrees with the reference", "[kernels][gemm][train]") {
  for (auto [M, N, K] : {std::tuple{32, 128, 784}, std::tuple{784, 128, 32}, std::tuple{3, 5, 7}, std::tuple{64, 64, 64}})
    check(M, N, K, gemm::gemm_nt<simd::native>, gemm::gemm_tn<simd::native>);
}
