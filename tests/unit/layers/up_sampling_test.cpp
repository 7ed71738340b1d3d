// UpSampling1D and UpSampling2D (nearest and bilinear): shape and option rules, summary rows, a plain
// reference, PyTorch's numbers (tests/reference/make_resample.py, which checks that PyTorch's
// align_corners=False bilinear is TensorFlow's half-pixel one) for the output and dx, and finite
// differences.
#include <tshape/tshape.hpp>

#include <cmath>
#include <vector>

#include "../train/gradient_check.hpp"
#include "resample_support.hpp"

using namespace tshape;

static_assert(std::is_same_v<decltype(UpSampling1D<>::infer(Shape<5, 3>{})), Shape<10, 3>>);
static_assert(std::is_same_v<decltype(UpSampling1D<3>::infer(Shape<5, 3>{})), Shape<15, 3>>);
static_assert(std::is_same_v<decltype(UpSampling2D<>::infer(Shape<3, 5, 2>{})), Shape<6, 10, 2>>);
static_assert(std::is_same_v<decltype(UpSampling2D<Size<3>>::infer(Shape<3, 5, 2>{})), Shape<9, 15, 2>>);
static_assert(std::is_same_v<decltype(UpSampling2D<Interpolation::bilinear, Size<2, 3>>::infer(Shape<3, 5, 2>{})),
                             Shape<6, 15, 2>>);

// Rank: a 2D layer fed rank-1 samples, and a sample without its channel axis (the Reshape that adds it).
static_assert(std::is_same_v<decltype(UpSampling2D<>::infer(Shape<10>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<3>, error::got<Shape<10>>>>);
static_assert(std::is_same_v<decltype(UpSampling2D<>::infer(Shape<4, 4>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<3>, error::got<Shape<4, 4>>,
                                      error::fix_with_layer_before_it<Reshape<4, 4, 1>>>>);
static_assert(std::is_same_v<decltype(UpSampling1D<>::infer(Shape<8>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<2>, error::got<Shape<8>>,
                                      error::fix_with_layer_before_it<Reshape<8, 1>>>>);
// Options: what it takes, once each, with positive factors.
static_assert(is_mismatch_v<decltype(UpSampling2D<Padding::same>::infer(Shape<4, 4, 1>{}))>);
static_assert(is_mismatch_v<decltype(UpSampling2D<Size<2>, Size<3>>::infer(Shape<4, 4, 1>{}))>);
static_assert(is_mismatch_v<decltype(UpSampling2D<Size<0, 2>>::infer(Shape<4, 4, 1>{}))>);
static_assert(is_mismatch_v<decltype(UpSampling2D<Size<1, 2, 3>>::infer(Shape<4, 4, 1>{}))>);

using Net = Sequential<Input<4, 3>, UpSampling1D<>, Reshape<8, 3, 1>, UpSampling2D<Size<1, 2>, Interpolation::bilinear>,
                       UpSampling2D<>>;
constexpr auto s = summary<Net>();
static_assert(s.rows[0].name == "up_sampling1d" && s.rows[0].class_name == "UpSampling1D");
static_assert(s.rows[2].name == "up_sampling2d" && s.rows[2].class_name == "UpSampling2D");
static_assert(s.rows[3].name == "up_sampling2d_1" && s.rows[3].output_shape == "(None, 16, 12, 1)");
static_assert(s.total_params == 0);

namespace {

/// TensorFlow's bilinear resize with half-pixel centres, in double, straight from its definition.
template <int N, int H, int W, int C, int OH, int OW>
std::vector<double> plain_bilinear(const Tensor<float, Shape<N, H, W, C>>& x) {
  std::vector<double> y;
  auto src = [](int o, int in, int out) { return (o + 0.5) * in / out - 0.5; };
  for (int n = 0; n < N; ++n)
    for (int i = 0; i < OH; ++i)
      for (int j = 0; j < OW; ++j)
        for (int c = 0; c < C; ++c) {
          const double sy = src(i, H, OH), sx = src(j, W, OW);
          const int y0 = static_cast<int>(std::floor(sy)), x0 = static_cast<int>(std::floor(sx));
          auto at = [&](int a, int b) {
            a = std::clamp(a, 0, H - 1);
            b = std::clamp(b, 0, W - 1);
            return static_cast<double>(x(n, a, b, c));
          };
          const double wy = sy - y0, wx = sx - x0;
          y.push_back((1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x0 + 1)) +
                      wy * ((1 - wx) * at(y0 + 1, x0) + wx * at(y0 + 1, x0 + 1)));
        }
  return y;
}

}  // namespace

TEST_CASE("UpSampling1D and UpSampling2D nearest: repetition, odd shapes, batch 1 and 3", "[layers][up_sampling]") {
  tshape_test::random_floats gen(4);
  {
    auto net = make_model<Sequential<Input<5, 3>, UpSampling1D<3>>>();
    Tensor<float, Shape<3, 5, 3>> x;
    gen.fill(x);
    auto y = net(x);
    for (int n = 0; n < 3; ++n)
      for (int t = 0; t < 15; ++t)
        for (int c = 0; c < 3; ++c) CHECK(y(n, t, c) == x(n, t / 3, c));
  }
  {
    auto net = make_model<Sequential<Input<3, 5, 2>, UpSampling2D<Size<3, 2>>>>();
    Tensor<float, Shape<1, 3, 5, 2>> x;
    gen.fill(x);
    auto y = net(x);
    for (int i = 0; i < 9; ++i)
      for (int j = 0; j < 10; ++j)
        for (int c = 0; c < 2; ++c) CHECK(y(0, i, j, c) == x(0, i / 3, j / 2, c));
  }
}

TEST_CASE("UpSampling2D bilinear: TensorFlow's half-pixel rule, odd shapes, batch 1 and 2", "[layers][up_sampling]") {
  tshape_test::random_floats gen(5);
  {
    auto net = make_model<Sequential<Input<7, 5, 3>, UpSampling2D<Size<3, 4>, Interpolation::bilinear>>>();
    Tensor<float, Shape<2, 7, 5, 3>> x;
    gen.fill(x);
    tshape_test::require_close(net(x), plain_bilinear<2, 7, 5, 3, 21, 20>(x), 1e-5, 1e-6);
  }
  {
    auto net = make_model<Sequential<Input<1, 1, 2>, UpSampling2D<Size<2, 5>, Interpolation::bilinear>>>();
    Tensor<float, Shape<1, 1, 1, 2>> x;
    gen.fill(x);
    tshape_test::require_close(net(x), plain_bilinear<1, 1, 1, 2, 2, 5>(x), 1e-6, 0);  // one cell everywhere
  }
}

TEST_CASE("UpSampling1D and UpSampling2D: output and dx match PyTorch", "[layers][up_sampling][reference]") {
  using tshape_test::check_resample_case;
  check_resample_case<Sequential<Input<4, 2>, UpSampling1D<3>>>("up1d");
  check_resample_case<Sequential<Input<3, 4, 2>, UpSampling2D<Size<2, 3>>>>("up2d_nearest");
  check_resample_case<Sequential<Input<3, 5, 2>, UpSampling2D<Interpolation::bilinear>>>("up2d_bilinear_a");
  check_resample_case<Sequential<Input<4, 3, 3>, UpSampling2D<Size<3, 2>, Interpolation::bilinear>>>("up2d_bilinear_b");
  check_resample_case<Sequential<Input<1, 4, 1>, UpSampling2D<Size<2, 3>, Interpolation::bilinear>>>("up2d_bilinear_c");
}

TEST_CASE("backward: UpSampling1D and UpSampling2D match finite differences", "[train][backward][up_sampling]") {
  using tshape_test::check_gradients;
  tshape_test::gradient_check_options all;
  all.per_array = 1000;
  check_gradients<Sequential<Input<5, 2>, UpSampling1D<3>, Conv1D<2, Kernel<3>, Tanh>>>(2, all);
  check_gradients<Sequential<Input<3, 4, 2>, UpSampling2D<>, Conv2D<2, Kernel<3>, Tanh>>>(1, all);
  check_gradients<Sequential<Input<3, 5, 2>, UpSampling2D<Size<3, 2>, Interpolation::bilinear>, Conv2D<2, Kernel<2>, Tanh>>>(
      2, all);
  check_gradients<Sequential<Input<4, 3, 2>, Conv2D<3, Kernel<1>, Tanh>, UpSampling2D<Size<2>, Interpolation::bilinear>>>(
      3);  // weights before it
}
