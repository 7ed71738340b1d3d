// ZeroPadding1D, Cropping1D and Cropping2D: shape rules, summary rows, a plain reference, PyTorch's
// numbers (tests/reference/make_resample.py) for the output and dx, and finite differences.
#include <tshape/tshape.hpp>

#include <vector>

#include "../train/gradient_check.hpp"
#include "resample_support.hpp"

using namespace tshape;

// Keras' defaults and forms.
static_assert(std::is_same_v<decltype(ZeroPadding1D<>::infer(Shape<5, 3>{})), Shape<7, 3>>);
static_assert(std::is_same_v<decltype(ZeroPadding1D<2>::infer(Shape<5, 3>{})), Shape<9, 3>>);
static_assert(std::is_same_v<decltype(ZeroPadding1D<0, 3>::infer(Shape<5, 3>{})), Shape<8, 3>>);
static_assert(std::is_same_v<decltype(Cropping1D<>::infer(Shape<5, 3>{})), Shape<3, 3>>);
static_assert(std::is_same_v<decltype(Cropping1D<2>::infer(Shape<5, 3>{})), Shape<1, 3>>);
static_assert(std::is_same_v<decltype(Cropping1D<0, 4>::infer(Shape<5, 3>{})), Shape<1, 3>>);
static_assert(std::is_same_v<decltype(Cropping2D<>::infer(Shape<5, 6, 2>{})), Shape<5, 6, 2>>);
static_assert(std::is_same_v<decltype(Cropping2D<1>::infer(Shape<5, 6, 2>{})), Shape<3, 4, 2>>);
static_assert(std::is_same_v<decltype(Cropping2D<2, 1>::infer(Shape<5, 6, 2>{})), Shape<1, 4, 2>>);
static_assert(std::is_same_v<decltype(Cropping2D<1, 2, 0, 3>::infer(Shape<5, 7, 2>{})), Shape<2, 4, 2>>);

// The rules: rank (one axis short names the Reshape that adds the channel axis), and cropping that
// leaves no cell.
static_assert(std::is_same_v<decltype(ZeroPadding1D<>::infer(Shape<5>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<2>, error::got<Shape<5>>,
                                      error::fix_with_layer_before_it<Reshape<5, 1>>>>);
static_assert(std::is_same_v<decltype(Cropping2D<>::infer(Shape<5>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<3>, error::got<Shape<5>>>>);
static_assert(std::is_same_v<decltype(Cropping2D<1>::infer(Shape<5, 6>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<3>, error::got<Shape<5, 6>>,
                                      error::fix_with_layer_before_it<Reshape<5, 6, 1>>>>);
static_assert(is_mismatch_v<decltype(Cropping1D<>::infer(Shape<4, 3, 2>{}))>);
static_assert(std::is_same_v<decltype(Cropping1D<2, 3>::infer(Shape<5, 3>{})),
                             mismatch<error::INVALID_OPTION, error::cropping<2, 3>, error::input_extent<5>,
                                      error::cropping_must_leave_at_least_one_cell_of_each_axis,
                                      error::got<Shape<5, 3>>>>);
static_assert(is_mismatch_v<decltype(Cropping1D<3>::infer(Shape<5, 3>{}))>);
static_assert(is_mismatch_v<decltype(Cropping2D<0, 0, 3, 3>::infer(Shape<5, 6, 2>{}))>);  // the columns
static_assert(is_mismatch_v<decltype(Cropping2D<3, 2, 0, 0>::infer(Shape<5, 6, 2>{}))>);  // the rows
static_assert(!is_mismatch_v<decltype(Cropping2D<2, 2, 2, 3>::infer(Shape<5, 6, 2>{}))>);  // 1 x 1 left

// Summary rows as Keras prints them.
using Net1 = Sequential<Input<10, 4>, ZeroPadding1D<>, Cropping1D<2, 1>, ZeroPadding1D<3>>;
constexpr auto s1 = summary<Net1>();
static_assert(s1.rows[0].name == "zero_padding1d" && s1.rows[0].class_name == "ZeroPadding1D");
static_assert(s1.rows[1].name == "cropping1d" && s1.rows[1].class_name == "Cropping1D");
static_assert(s1.rows[2].name == "zero_padding1d_1" && s1.rows[2].output_shape == "(None, 15, 4)");
static_assert(s1.total_params == 0);
using Net2 = Sequential<Input<9, 9, 3>, Cropping2D<1, 0, 2, 0>, Conv2D<2, Kernel<3>>>;
constexpr auto s2 = summary<Net2>();
static_assert(s2.rows[0].name == "cropping2d" && s2.rows[0].class_name == "Cropping2D");
static_assert(s2.rows[0].output_shape == "(None, 8, 7, 3)" && s2.rows[0].params == 0);

TEST_CASE("ZeroPadding1D, Cropping1D, Cropping2D: a plain reference, odd shapes, batch 1 and 3",
          "[layers][cropping][zero_padding1d]") {
  tshape_test::random_floats gen(3);
  {
    auto net = make_model<Sequential<Input<5, 3>, ZeroPadding1D<2, 1>>>();
    Tensor<float, Shape<3, 5, 3>> x;
    gen.fill(x);
    auto y = net(x);
    for (int n = 0; n < 3; ++n)
      for (int t = 0; t < 8; ++t)
        for (int c = 0; c < 3; ++c) CHECK(y(n, t, c) == (t >= 2 && t < 7 ? x(n, t - 2, c) : 0.0f));
  }
  {
    auto net = make_model<Sequential<Input<7, 2>, Cropping1D<>>>();
    Tensor<float, Shape<1, 7, 2>> x;
    gen.fill(x);
    auto y = net(x);
    for (int t = 0; t < 5; ++t)
      for (int c = 0; c < 2; ++c) CHECK(y(0, t, c) == x(0, t + 1, c));
  }
  {
    auto net = make_model<Sequential<Input<6, 5, 3>, Cropping2D<2, 1, 1, 3>>>();
    Tensor<float, Shape<3, 6, 5, 3>> x;
    gen.fill(x);
    auto y = net(x);
    for (int n = 0; n < 3; ++n)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 1; ++j)
          for (int c = 0; c < 3; ++c) CHECK(y(n, i, j, c) == x(n, i + 2, j + 1, c));
  }
  {
    auto net = make_model<Sequential<Input<4, 3, 2>, Cropping2D<>>>();  // Keras' default crops nothing
    Tensor<float, Shape<2, 4, 3, 2>> x;
    gen.fill(x);
    tshape_test::require_close(net(x), x, 0, 0);
  }
}

TEST_CASE("ZeroPadding1D, Cropping1D, Cropping2D: output and dx match PyTorch", "[layers][cropping][reference]") {
  tshape_test::check_resample_case<Sequential<Input<5, 3>, ZeroPadding1D<2, 3>>>("zp1d");
  tshape_test::check_resample_case<Sequential<Input<6, 3>, Cropping1D<1, 2>>>("crop1d");
  tshape_test::check_resample_case<Sequential<Input<5, 7, 2>, Cropping2D<1, 2, 0, 3>>>("crop2d");
}

TEST_CASE("backward: ZeroPadding1D, Cropping1D, Cropping2D match finite differences", "[train][backward][cropping]") {
  using tshape_test::check_gradients;
  check_gradients<Sequential<Input<5, 3>, ZeroPadding1D<2, 1>, Conv1D<2, Kernel<3>, Tanh>>>(2);
  check_gradients<Sequential<Input<7, 2>, Cropping1D<>, Conv1D<3, Kernel<2>, Tanh>>>(1);
  check_gradients<Sequential<Input<6, 5, 2>, Cropping2D<2, 1, 1, 0>, Conv2D<2, Kernel<2>, Tanh>>>(3);
  check_gradients<Sequential<Input<4, 5, 2>, Conv2D<2, Kernel<1>, Tanh>, Cropping2D<1>>>(2);  // weights before it
}
