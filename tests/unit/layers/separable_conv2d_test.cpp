// SeparableConv2D: shapes, Keras' parameter counts and weight names, PyTorch's numbers (the depthwise
// step as a grouped convolution, then a 1x1 convolution; tests/reference/make_depthwise.py), the
// summary, and backward against finite differences.
#include <tshape/tshape.hpp>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;

static_assert(std::is_same_v<decltype(SeparableConv2D<5, Kernel<3>, Padding::same>::infer(Shape<7, 8, 3>{})),
                             Shape<7, 8, 5>>);
static_assert(std::is_same_v<decltype(SeparableConv2D<7, Kernel<3>, Strides<2>, DepthMultiplier<2>>::infer(Shape<9, 8, 6>{})),
                             Shape<4, 3, 7>>);
// Keras' count: kh * kw * in * m + in * m * filters + filters.
static_assert(SeparableConv2D<5, Kernel<3>, DepthMultiplier<2>>::bind<Shape<7, 8, 3>>::param_count == 54 + 30 + 5);
static_assert(SeparableConv2D<64, Kernel<3>, UseBias<false>>::bind<Shape<16, 16, 32>>::param_count == 288 + 2048);
static_assert(std::is_same_v<decltype(std::declval<SeparableConv2D<5, Kernel<3>, DepthMultiplier<2>>::bind<Shape<7, 8, 3>>&>()
                                          .pointwise_kernel()),
                             TensorView<float, Shape<1, 1, 6, 5>>>);
// Rules: DepthwiseConv2D's, and a filter count that must be positive.
static_assert(is_mismatch_v<decltype(SeparableConv2D<0, Kernel<3>>::infer(Shape<8, 8, 3>{}))>);
static_assert(is_mismatch_v<decltype(SeparableConv2D<8, Kernel<3>>::infer(Shape<8, 8>{}))>);
static_assert(is_mismatch_v<decltype(SeparableConv2D<8, Kernel<3>, DepthMultiplier<0>>::infer(Shape<8, 8, 3>{}))>);
static_assert(is_mismatch_v<decltype(SeparableConv2D<8, Kernel<3>, Padding::causal>::infer(Shape<8, 8, 3>{}))>);

TEST_CASE("SeparableConv2D: the summary Keras prints", "[layers][separable][summary]") {
  using Net = Sequential<Input<16, 16, 32>, SeparableConv2D<64, Kernel<3>, Padding::same, ReLU>,
                         SeparableConv2D<10, Kernel<3>, DepthMultiplier<2>>>;
  constexpr auto s = summary<Net>();
  static_assert(s.rows[0].name == "separable_conv2d" && s.rows[0].class_name == "SeparableConv2D");
  static_assert(s.rows[1].name == "separable_conv2d_1" && s.rows[1].params == 9 * 64 * 2 + 128 * 10 + 10);
  std::ostringstream os;
  print_summary<Net>(os);
  const std::string expected =
      "Model: \"sequential\"\n"
      "_________________________________________________________________\n"
      "Layer (type)                 Output Shape              Param #   \n"
      "=================================================================\n"
      "separable_conv2d (SeparableC (None, 16, 16, 64)        2400      \n"
      "_________________________________________________________________\n"
      "separable_conv2d_1 (Separabl (None, 14, 14, 10)        2442      \n"
      "=================================================================\n"
      "Total params: 4,842\n"
      "Trainable params: 4,842\n"
      "Non-trainable params: 0\n"
      "_________________________________________________________________\n";
  CHECK(os.str() == expected);
}

namespace {
template <class Layer, class In, class X>
void check_separable(const std::string& name) {
  INFO(name);
  tshape_test::reference ref("depthwise.txt");
  auto net = make_model<Sequential<In, Layer>>();
  ref.copy_to(name + ".depthwise_kernel", layer<0>(net).depthwise_kernel());
  ref.copy_to(name + ".pointwise_kernel", layer<0>(net).pointwise_kernel());
  ref.copy_to(name + ".bias", layer<0>(net).bias());
  X x;
  ref.copy_to(name + ".x", x);
  tshape_test::require_close(net(x), ref[name + ".y"].values, 1e-5, 1e-5);
}
}  // namespace

TEST_CASE("SeparableConv2D: matches PyTorch", "[layers][separable]") {
  check_separable<SeparableConv2D<5, Kernel<3>, Padding::same, DepthMultiplier<2>>, Input<7, 8, 3>,
                  Tensor<float, Shape<2, 7, 8, 3>>>("sep_same");
  check_separable<SeparableConv2D<7, Kernel<3>, Strides<2>, Padding::same, ReLU6>, Input<9, 8, 6>,
                  Tensor<float, Shape<1, 9, 8, 6>>>("sep_s2_relu6");
}

TEST_CASE("SeparableConv2D: Keras' weight names and order", "[layers][separable]") {
  auto net = make_model<Sequential<Input<7, 8, 3>, SeparableConv2D<5, Kernel<3>, DepthMultiplier<2>>>>(2);
  auto w = weights(net);
  REQUIRE(w.size() == 3);
  CHECK(std::string(w[0].name.view()) == "separable_conv2d/depthwise_kernel");
  CHECK(std::string(w[1].name.view()) == "separable_conv2d/pointwise_kernel");
  CHECK(std::string(w[2].name.view()) == "separable_conv2d/bias");
  CHECK(w[0].values.size() == 54);
  CHECK(w[1].values.size() == 30);
}

TEST_CASE("SeparableConv2D: backward matches finite differences", "[train][separable]") {
  using tshape_test::check_gradients;
  check_gradients<Sequential<Input<6, 5, 3>, SeparableConv2D<4, Kernel<3>, Padding::same>>>(1);
  check_gradients<Sequential<Input<7, 8, 4>, SeparableConv2D<5, Kernel<3>, Strides<2>, Padding::same, DepthMultiplier<2>, Tanh>>>(3);
  check_gradients<Sequential<Input<9, 8, 2>, SeparableConv2D<3, Kernel<3, 2>, DilationRate<2>, UseBias<false>, Swish>,
                             Flatten, Dense<3, Softmax>>>(2);
  check_gradients<Sequential<Input<6, 6, 3>, SeparableConv2D<4, Kernel<3>, Padding::same, Softmax>>>(2);
  check_gradients<Sequential<Input<6, 7, 3>, Conv2D<5, Kernel<1>, Tanh>, SeparableConv2D<4, Kernel<3>>>>(2);
}

TEST_CASE("DepthwiseConv2D and SeparableConv2D: weights saved and loaded by Keras' names", "[layers][separable][io]") {
  using Net = Sequential<Input<9, 8, 3>, DepthwiseConv2D<Kernel<3>, DepthMultiplier<2>, Padding::same, ReLU6>,
                         SeparableConv2D<5, Kernel<3>, Strides<2>, HardSwish>>;
  const std::string path = (std::filesystem::temp_directory_path() / "tshape_separable_weights_test.npz").string();
  auto a = make_model<Net>(1);
  tshape_test::random_floats rnd(3);
  for_each_weight(*a, [&](const weight_ref& w) { rnd.fill(w.values); });
  save_weights(a, path);
  auto members = try_read_npz(path).value();
  REQUIRE(members.size() == 5);
  CHECK(members[0].name == "depthwise_conv2d/depthwise_kernel");
  CHECK(members[1].name == "depthwise_conv2d/bias");
  CHECK(members[2].name == "separable_conv2d/depthwise_kernel");
  CHECK(members[3].name == "separable_conv2d/pointwise_kernel");
  CHECK(members[4].name == "separable_conv2d/bias");
  CHECK(members[3].array.shape == std::vector<long long>{1, 1, 6, 5});
  auto b = make_model<Net>(2);
  load_weights(b, path);
  std::remove(path.c_str());
  Tensor<float, Shape<2, 9, 8, 3>> x;
  rnd.fill(x, -3.0f, 3.0f);
  tshape_test::require_close(b(x), a(x), 0, 0);
}
