// The compact kernel (TSHAPE_COMPACT_KERNELS, what microcontroller builds run) against the reference.
#include <tshape/kernels/gemm/compact.hpp>
#include <tshape/kernels/gemm/reference.hpp>
#include <tshape/kernels/activation/activation.hpp>

#include <vector>

#include "../support.hpp"

using namespace tshape;
using namespace tshape::kernels;

namespace {
template <class Act = activation::linear>
void check_compact(int M, int N, int K, bool bias, const Act& act = {}) {
  INFO("M=" << M << " N=" << N << " K=" << K << " bias=" << bias);
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(M * 7919 + N * 131 + K));
  std::vector<float> a(static_cast<std::size_t>(M) * K), b(static_cast<std::size_t>(K) * N),
      c(static_cast<std::size_t>(M) * N, -7.0f), expected(c.size()), bvec(N);
  rnd.fill(a);
  rnd.fill(b);
  rnd.fill(bvec);
  gemm::reference(M, N, K, a.data(), K, b.data(), N, bias ? bvec.data() : nullptr, expected.data(), N);
  for (auto& e : expected) e = act(e);
  gemm::compact(M, N, K, a.data(), b.data(), bias ? bvec.data() : nullptr, c.data(), act);
  tshape_test::require_close(c, expected, 1e-5, 1e-5 * K);
}
}  // namespace

TEST_CASE("gemm: the compact kernel agrees with the reference", "[kernels][gemm]") {
  for (int M : {1, 2, 3, 5, 16})
    for (int N : {1, 3, 4, 16, 17, 32})
      for (int K : {0, 1, 7, 16, 33}) check_compact(M, N, K, (M + N + K) % 2 == 1);
  check_compact(1, 32, 16, true, activation::relu{});
  check_compact(4, 9, 12, true, activation::sigmoid{});
  check_compact(3, 5, 8, false, activation::leaky_relu{0.1f});
}
