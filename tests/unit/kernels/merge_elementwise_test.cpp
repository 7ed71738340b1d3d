// kernels/merge/elementwise.hpp: the SIMD rows of the element-wise merges against the scalar twin,
// and the scalar twin against a loop written out here, for every operation, contiguous and
// repeated inputs, and lengths that leave every possible tail.
#include <tshape/kernels/merge/elementwise.hpp>

#include <vector>

#include "../support.hpp"

using namespace tshape::kernels;

namespace {

/// The fold by hand: ((x0 op x1) op x2) ..., / K for the mean.
template <merge::op Op, bool Mean>
float by_hand(const std::vector<float>& v) {
  float acc = v[0];
  for (std::size_t k = 1; k < v.size(); ++k) {
    const float b = v[k];
    switch (Op) {
      case merge::op::add: acc = acc + b; break;
      case merge::op::subtract: acc = acc - b; break;
      case merge::op::multiply: acc = acc * b; break;
      case merge::op::maximum: acc = b > acc ? b : acc; break;
      case merge::op::minimum: acc = b < acc ? b : acc; break;
    }
  }
  return Mean ? acc / static_cast<float>(v.size()) : acc;
}

template <class V, merge::op Op, bool Mean, std::ptrdiff_t... S>
void check_rows() {
  constexpr std::size_t K = sizeof...(S);
  constexpr std::array<std::ptrdiff_t, K> strides{S...};
  tshape_test::random_floats rnd(Op == merge::op::add ? 1 : 2);
  for (std::ptrdiff_t n : {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 71}) {
    INFO("ISA " << V::name << ", length " << n << ", inputs " << K);
    std::array<std::vector<float>, K> xs;
    std::array<const float*, K> ptrs{};
    for (std::size_t k = 0; k < K; ++k) {
      xs[k].resize(static_cast<std::size_t>(strides[k] == 1 ? std::max<std::ptrdiff_t>(n, 1) : 1));
      rnd.fill(xs[k], -3.0f, 3.0f);
      // Some ties, so that maximum and minimum keep the first operand.
      if (k > 0 && xs[k].size() > 2) xs[k][1] = xs[0][strides[0] == 1 ? 1 : 0];
      ptrs[k] = xs[k].data();
    }
    std::vector<float> y(static_cast<std::size_t>(n) + 1, -7.0f), twin(static_cast<std::size_t>(n) + 1, -7.0f);
    merge::combine_row<V, Op, Mean, S...>(ptrs.data(), y.data(), n);
    merge::combine_row<simd::scalar, Op, Mean, S...>(ptrs.data(), twin.data(), n);
    CHECK(y == twin);  // the same operations in the same order: equal bit for bit
    CHECK(y[static_cast<std::size_t>(n)] == -7.0f);  // nothing written past the row
    if constexpr (strides[0] == 1) {  // in place: y is the first input itself
      std::vector<float> inout = xs[0];
      auto in = ptrs;
      in[0] = inout.data();
      merge::combine_row<V, Op, Mean, S...>(in.data(), inout.data(), n);
      if (n > 0) CHECK(std::vector<float>(inout.begin(), inout.begin() + n) == std::vector<float>(twin.begin(), twin.begin() + n));
    }
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      std::vector<float> v;
      for (std::size_t k = 0; k < K; ++k) v.push_back(xs[k][static_cast<std::size_t>(i * strides[k])]);
      REQUIRE(twin[static_cast<std::size_t>(i)] == by_hand<Op, Mean>(v));
    }
  }
}

template <class V, merge::op Op, bool Mean = false>
void check_op() {
  check_rows<V, Op, Mean, 1, 1>();
  check_rows<V, Op, Mean, 1, 0>();
  check_rows<V, Op, Mean, 0, 1>();
  check_rows<V, Op, Mean, 1, 1, 1>();
  check_rows<V, Op, Mean, 0, 1, 0, 1>();
}

template <class V>
void check_all() {
  check_op<V, merge::op::add>();
  check_op<V, merge::op::add, true>();
  check_op<V, merge::op::subtract>();
  check_op<V, merge::op::multiply>();
  check_op<V, merge::op::maximum>();
  check_op<V, merge::op::minimum>();
}

}  // namespace

TEST_CASE("merge rows: the scalar twin is the fold written out", "[kernels][merge]") {
  check_all<simd::scalar>();
}
TEST_CASE("merge rows: the native SIMD rows equal the scalar twin", "[kernels][merge]") {
  check_all<simd::native>();
}
#if defined(TSHAPE_SIMD_AVX512)
TEST_CASE("merge rows: the AVX2 rows equal the scalar twin (on an AVX-512 build)", "[kernels][merge]") {
  check_all<simd::avx2>();
}
#endif
