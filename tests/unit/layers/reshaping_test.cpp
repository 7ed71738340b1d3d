// Flatten, Reshape, Permute, RepeatVector and Dropout: shape rules, summaries and element order.
// (One file for the reshaping family: flatten.hpp, reshape.hpp, permute.hpp, repeat_vector.hpp, dropout.hpp.)
#include <tshape/layers/dense.hpp>
#include <tshape/layers/dropout.hpp>
#include <tshape/layers/flatten.hpp>
#include <tshape/layers/permute.hpp>
#include <tshape/layers/repeat_vector.hpp>
#include <tshape/layers/reshape.hpp>
#include <tshape/model/model_ptr.hpp>
#include <tshape/model/sequential.hpp>
#include <tshape/model/summary.hpp>

#include <numeric>

#include "../support.hpp"

using namespace tshape;

// Flatten: row-major product; rank 1 unchanged.
static_assert(std::is_same_v<decltype(Flatten::infer(Shape<5, 5, 64>{})), Shape<1600>>);
static_assert(std::is_same_v<decltype(Flatten::infer(Shape<7>{})), Shape<7>>);
// Reshape: one -1 inferred; the element count is proved.
static_assert(std::is_same_v<decltype(Reshape<-1, 128>::infer(Shape<320, 10>{})), Shape<25, 128>>);
static_assert(std::is_same_v<decltype(Reshape<4, 4, 1>::infer(Shape<16>{})), Shape<4, 4, 1>>);
static_assert(std::is_same_v<decltype(Reshape<32768>::infer(Shape<30, 30, 32>{})),
                             mismatch<error::ELEMENT_COUNT_MISMATCH, error::expected_element_count<32768>,
                                      error::got<Shape<30, 30, 32>>, error::with_element_count<28800>>>);
static_assert(is_mismatch_v<decltype(Reshape<-1, 3>::infer(Shape<10>{}))>);
static_assert(is_mismatch_v<decltype(Reshape<-1, -1>::infer(Shape<10>{}))>);
// Permute: 1-based over the sample's axes.
static_assert(std::is_same_v<decltype(Permute<2, 1>::infer(Shape<10, 64>{})), Shape<64, 10>>);
static_assert(std::is_same_v<decltype(Permute<3, 1, 2>::infer(Shape<2, 3, 4>{})), Shape<4, 2, 3>>);
static_assert(is_mismatch_v<decltype(Permute<1, 1>::infer(Shape<2, 3>{}))>);
static_assert(is_mismatch_v<decltype(Permute<2, 1>::infer(Shape<2, 3, 4>{}))>);
// RepeatVector: (features,) -> (n, features).
static_assert(std::is_same_v<decltype(RepeatVector<3>::infer(Shape<32>{})), Shape<3, 32>>);
static_assert(is_mismatch_v<decltype(RepeatVector<3>::infer(Shape<2, 32>{}))>);
// Dropout: the identity at inference.
static_assert(std::is_same_v<decltype(Dropout<Rate<1, 2>>::infer(Shape<5, 7>{})), Shape<5, 7>>);
static_assert(Dropout<Rate<1, 4>>::rate == 0.25);

TEST_CASE("Flatten then Dense: valid, as in Keras (the seeds' claim otherwise is wrong)", "[layers][flatten]") {
  using Net = Sequential<Input<5, 5, 2>, Flatten, Dense<3>>;
  static_assert(std::is_same_v<Net::shape_at<1>, Shape<50>>);
  static_assert(Net::param_count == 50 * 3 + 3);
  Net net;
  // Flatten is NHWC row-major: element (h, w, c) lands at (h * 5 + w) * 2 + c.
  auto k = layer<1>(net).kernel();
  k((1 * 5 + 2) * 2 + 1, 0) = 1.0f;
  Tensor<float, Shape<1, 5, 5, 2>> x;
  x(0, 1, 2, 1) = 7.0f;
  CHECK(net(x)(0, 0) == 7.0f);
  constexpr auto s = summary<Net>();
  static_assert(s.rows[0].name == "flatten" && s.rows[0].class_name == "Flatten" && s.rows[0].output_shape == "(None, 50)");
}

TEST_CASE("Reshape: keeps the element order, infers -1", "[layers][reshape]") {
  using Net = Sequential<Input<12>, Reshape<-1, 4>, Reshape<2, 6>>;
  static_assert(std::is_same_v<Net::shape_at<1>, Shape<3, 4>>);
  static_assert(std::is_same_v<Net::output_shape, Shape<2, 6>>);
  Net net;
  Tensor<float, Shape<2, 12>> x;
  std::iota(x.begin(), x.end(), 0.0f);
  auto y = net(x);
  static_assert(std::is_same_v<decltype(y), Tensor<float, Shape<2, 2, 6>>>);
  CHECK(y(1, 1, 5) == 23.0f);
  CHECK(y(0, 1, 0) == 6.0f);
  static_assert(summary<Net>().rows[1].name == "reshape_1");
}

TEST_CASE("Permute: reorders the sample's axes", "[layers][permute]") {
  Sequential<Input<2, 3, 4>, Permute<3, 1, 2>> net;
  Tensor<float, Shape<dyn, 2, 3, 4>> x(2);
  std::iota(x.begin(), x.end(), 0.0f);
  auto y = net(x);
  static_assert(std::is_same_v<decltype(y), Tensor<float, Shape<dyn, 4, 2, 3>>>);
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 4; ++k) CHECK(y(b, k, i, j) == x(b, i, j, k));
  Sequential<Input<3, 5>, Permute<2, 1>> swap;
  Tensor<float, Shape<1, 3, 5>> m;
  std::iota(m.begin(), m.end(), 0.0f);
  auto t = swap(m);
  CHECK(t(0, 4, 2) == m(0, 2, 4));
  CHECK(t(0, 1, 0) == m(0, 0, 1));
}

TEST_CASE("RepeatVector: repeats each sample's vector", "[layers][repeat_vector]") {
  Sequential<Input<3>, RepeatVector<4>> net;
  Tensor<float, Shape<2, 3>> x{1, 2, 3, 4, 5, 6};
  auto y = net(x);
  static_assert(std::is_same_v<decltype(y), Tensor<float, Shape<2, 4, 3>>>);
  for (int r = 0; r < 4; ++r) {
    CHECK(y(0, r, 2) == 3.0f);
    CHECK(y(1, r, 0) == 4.0f);
  }
}

TEST_CASE("Dropout: the identity at inference, and a row in the summary", "[layers][dropout]") {
  using Net = Sequential<Input<4>, Dense<4>, Dropout<Rate<1, 2>>, Dense<2>>;
  static_assert(summary<Net>().rows[1].name == "dropout" && summary<Net>().rows[1].params == 0);
  auto net = make_model<Net>(2);
  using Plain = Sequential<Input<4>, Dense<4>, Dense<2>>;
  auto plain = make_model<Plain>(2);
  Tensor<float, Shape<3, 4>> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  tshape_test::require_close(net(x), plain(x), 0, 0);
}
