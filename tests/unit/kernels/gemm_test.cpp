#include <tshape/kernels/gemm/blas.hpp>
#include <tshape/kernels/gemm/blocked.hpp>
#include <tshape/kernels/gemm/gemm.hpp>
#include <tshape/kernels/gemm/reference.hpp>

#include <string>
#include <tuple>
#include <vector>

#include "../support.hpp"

using namespace tshape;
using namespace tshape::kernels;

namespace {
// One product through ISA V's blocked kernel, compared with the reference.
template <class V, class Act = activation::linear>
void check_blocked(int M, int N, int K, bool bias, const Act& act = {}) {
  INFO(V::name << " M=" << M << " N=" << N << " K=" << K << " bias=" << bias);
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(M * 1000003 + N * 1009 + K));
  std::vector<float> a(static_cast<std::size_t>(M) * K), b(static_cast<std::size_t>(K) * N), c(static_cast<std::size_t>(M) * N, -7.0f),
      expected(c.size()), bvec(N);
  rnd.fill(a);
  rnd.fill(b);
  rnd.fill(bvec);
  gemm::reference(M, N, K, a.data(), K, b.data(), N, bias ? bvec.data() : nullptr, expected.data(), N);
  for (auto& e : expected) e = act(e);
  gemm::blocked<V>(M, N, K, a.data(), K, b.data(), N, bias ? bvec.data() : nullptr, c.data(), N, act);
  tshape_test::require_close(c, expected, 1e-5, 1e-5 * K);
}

template <class V>
void check_many_shapes() {
  // Odd sizes around every block edge, one row, one column, empty K.
  for (int M : {1, 2, 3, 4, 5, 7, 8, 13, 32})
    for (int N : {1, 3, 7, 8, 9, 10, 15, 16, 17, 31, 33, 64, 65, 129})
      for (int K : {0, 1, 2, 5, 20, 33}) check_blocked<V>(M, N, K, (M + N + K) % 2 == 0);
  check_blocked<V>(1, 128, 128, true);
  check_blocked<V>(32, 10, 128, true);
  check_blocked<V>(17, 300, 70, true, activation::relu{});
  check_blocked<V>(5, 45, 9, true, activation::sigmoid{});
  check_blocked<V>(6, 21, 9, true, activation::leaky_relu{0.3f});
}

// The compile-time-N-and-K kernel (Dense's), over row counts around every tile height.
template <class V, int N, int K, class Act = activation::linear>
void check_fixed(const Act& act = {}) {
  for (int M : {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 17, 32}) {
    const bool bias = (M + N + K) % 2 == 0;
    INFO(V::name << " fixed M=" << M << " N=" << N << " K=" << K << " bias=" << bias);
    tshape_test::random_floats rnd(static_cast<std::uint64_t>(M * 7919 + N * 131 + K));
    std::vector<float> a(static_cast<std::size_t>(M) * K), b(static_cast<std::size_t>(K) * N),
        c(static_cast<std::size_t>(M) * N, -7.0f), expected(c.size()), bvec(N);
    rnd.fill(a);
    rnd.fill(b);
    rnd.fill(bvec);
    gemm::reference(M, N, K, a.data(), K, b.data(), N, bias ? bvec.data() : nullptr, expected.data(), N);
    for (auto& e : expected) e = act(e);
    gemm::blocked_fixed<V, N, K>(M, a.data(), K, b.data(), N, bias ? bvec.data() : nullptr, c.data(), N, act);
    tshape_test::require_close(c, expected, 1e-5, 1e-5 * K);
  }
}

template <class V>
void check_fixed_shapes() {
  // N around the vector width and the column blocks (max_nv and row_nv vectors); K around the
  // 16-float chunks of the one-row AVX-512 kernel and its 1 to 8 interleaved accumulator sets.
  check_fixed<V, 1, 1>();
  check_fixed<V, 7, 5>();
  check_fixed<V, 10, 128>();
  check_fixed<V, 16, 16>();
  check_fixed<V, 17, 17>();
  check_fixed<V, 33, 20>();
  check_fixed<V, 40, 30>();
  check_fixed<V, 5, 100>();
  check_fixed<V, 48, 2>();
  check_fixed<V, 64, 33>();
  check_fixed<V, 65, 15>();
  check_fixed<V, 100, 31>();
  check_fixed<V, 128, 20>();
  check_fixed<V, 129, 47>();
  check_fixed<V, 200, 64>();
  check_fixed<V, 300, 3>();
  check_fixed<V, 45, 9>(activation::sigmoid{});
  check_fixed<V, 130, 21>(activation::relu{});
}

// The compile-time-N kernel with K at run time gives exactly what the runtime kernel gives.
template <class V, int N>
void check_columns() {
  for (int M : {1, 2, 3, 5, 8, 9, 13})
    for (int K : {0, 1, 7, 16, 33}) {
      const bool bias = (M + K) % 2 == 0;
      INFO(V::name << " columns M=" << M << " N=" << N << " K=" << K << " bias=" << bias);
      tshape_test::random_floats rnd(static_cast<std::uint64_t>(M * 613 + N * 37 + K));
      std::vector<float> a(static_cast<std::size_t>(M) * K), b(static_cast<std::size_t>(K) * N),
          c(static_cast<std::size_t>(M) * N, -7.0f), expected(c.size(), -7.0f), bvec(N);
      rnd.fill(a);
      rnd.fill(b);
      rnd.fill(bvec);
      const float* bp = bias ? bvec.data() : nullptr;
      gemm::blocked<V>(M, N, K, a.data(), K, b.data(), N, bp, expected.data(), N, activation::linear{});
      gemm::blocked_columns<V, N>(M, K, a.data(), K, b.data(), N, bp, c.data(), N, activation::linear{});
      CHECK(c == expected);
    }
}
}  // namespace

TEST_CASE("gemm: the scalar (portable) kernel agrees with the reference", "[kernels][gemm]") {
  check_many_shapes<simd::scalar>();
}

TEST_CASE("gemm: the scalar kernel with compile-time N and K agrees with the reference", "[kernels][gemm]") {
  check_fixed_shapes<simd::scalar>();
}

TEST_CASE("gemm: the native SIMD kernel with compile-time N and K agrees with the reference", "[kernels][gemm]") {
  INFO("native ISA: " << simd::native::name);
  check_fixed_shapes<simd::native>();
}

TEST_CASE("gemm: the native SIMD kernel agrees with the reference", "[kernels][gemm]") {
  INFO("native ISA: " << simd::native::name);
  check_many_shapes<simd::native>();
}

#if defined(TSHAPE_SIMD_AVX512)
TEST_CASE("gemm: the AVX2 kernel agrees with the reference (on an AVX-512 build)", "[kernels][gemm]") {
  check_many_shapes<simd::avx2>();
  check_fixed_shapes<simd::avx2>();
}
#endif

TEST_CASE("gemm: the Dense dispatch (inline kernel or BLAS) agrees with the reference", "[kernels][gemm]") {
  for (auto [M, N, K] : {std::tuple{1, 20, 128}, {1, 1024, 1024}, {32, 128, 10}, {32, 784, 128}, {64, 257, 129},
                         {3, 1000, 999}, {128, 256, 128}}) {
    INFO("M=" << M << " N=" << N << " K=" << K << " blas=" << gemm::uses_blas(M, N, K));
    tshape_test::random_floats rnd(static_cast<std::uint64_t>(M + N + K));
    std::vector<float> a(static_cast<std::size_t>(M) * K), b(static_cast<std::size_t>(K) * N), bias(N),
        c(static_cast<std::size_t>(M) * N), expected(c.size());
    rnd.fill(a);
    rnd.fill(b);
    rnd.fill(bias);
    gemm::reference(M, N, K, a.data(), K, b.data(), N, bias.data(), expected.data(), N);
    for (auto& e : expected) e = e > 0 ? e : 0;
    gemm::dense(M, N, K, a.data(), b.data(), bias.data(), c.data(), activation::relu{});
    tshape_test::require_close(c, expected, 1e-4, 1e-5 * K);
  }
}

namespace {
// Dense's entry, N and K fixed: inline kernel or BLAS by size, with a fused bias and activation.
template <int M, int N, int K>
void check_dense_fixed() {
  INFO("fixed M=" << M << " N=" << N << " K=" << K << " blas=" << gemm::uses_blas(M, N, K));
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(M * 3 + N * 5 + K));
  std::vector<float> a(static_cast<std::size_t>(M) * K), b(static_cast<std::size_t>(K) * N), bias(N),
      c(static_cast<std::size_t>(M) * N), expected(c.size());
  rnd.fill(a);
  rnd.fill(b);
  rnd.fill(bias);
  gemm::reference(M, N, K, a.data(), K, b.data(), N, bias.data(), expected.data(), N);
  for (auto& e : expected) e = activation::leaky_relu{0.2f}(e);
  gemm::dense<N, K>(M, a.data(), b.data(), bias.data(), c.data(), activation::leaky_relu{0.2f});
  tshape_test::require_close(c, expected, 1e-4, 1e-5 * K);
}
}  // namespace

TEST_CASE("gemm: Dense's fixed-size dispatch (inline kernel or BLAS) agrees with the reference", "[kernels][gemm]") {
#ifndef TSHAPE_NO_BLAS  // both paths are taken below
  static_assert(!gemm::uses_blas(1, 20, 128) && !gemm::uses_blas(1, 128, 3000) && gemm::uses_blas(1, 1000, 1001) &&
                gemm::uses_blas(4, 1100, 1000));
#endif
  check_dense_fixed<1, 20, 128>();
  check_dense_fixed<1, 1000, 1001>();
  check_dense_fixed<1, 100, 3000>();
  check_dense_fixed<3, 1000, 999>();
  check_dense_fixed<4, 1100, 1000>();
  check_dense_fixed<32, 128, 10>();
  check_dense_fixed<32, 128, 784>();
  check_dense_fixed<64, 257, 129>();
  check_dense_fixed<200, 300, 1100>();
}

TEST_CASE("blas_info: says which BLAS runs and whether its kernels are generic", "[kernels][blas]") {
  const auto info = blas_info();
  CHECK(std::string(info.library).size() > 0);
  CHECK(std::string(info.core).size() > 0);
  CHECK(info.threads >= 1);
  if (info.generic_core) CHECK_THAT(std::string(info.advice), Catch::Contains("OPENBLAS_CORETYPE"));
#ifdef TSHAPE_NO_BLAS
  CHECK(std::string(info.library) == "none");
#endif
}

TEST_CASE("gemm: the kernel with compile-time N and run-time K is the runtime kernel to the bit", "[kernels][gemm]") {
  check_columns<simd::scalar, 7>();
  check_columns<simd::native, 1>();
  check_columns<simd::native, 17>();
  check_columns<simd::native, 64>();
  check_columns<simd::native, 96>();
  check_columns<simd::native, 129>();
}
