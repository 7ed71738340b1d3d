// DepthwiseConv2D: shapes, Keras' parameter counts and weight names, option and shape rules, PyTorch's
// numbers (nn.Conv2d with groups = in_channels, tests/reference/make_depthwise.py), the summary, and
// backward against finite differences and against PyTorch's gradients.
#include <tshape/tshape.hpp>

#include <sstream>
#include <string>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;

// Output shapes: Conv2D's geometry, in_channels * m channels.
static_assert(std::is_same_v<decltype(DepthwiseConv2D<Kernel<3>>::infer(Shape<7, 9, 3>{})), Shape<5, 7, 3>>);
static_assert(std::is_same_v<decltype(DepthwiseConv2D<Kernel<3>, Padding::same>::infer(Shape<7, 9, 3>{})),
                             Shape<7, 9, 3>>);
static_assert(std::is_same_v<decltype(DepthwiseConv2D<Kernel<3>, Strides<2>, Padding::same, DepthMultiplier<2>>::infer(
                                 Shape<8, 7, 4>{})),
                             Shape<4, 4, 8>>);
static_assert(std::is_same_v<decltype(DepthwiseConv2D<Kernel<3>, DilationRate<2>, DepthMultiplier<3>>::infer(
                                 Shape<9, 10, 2>{})),
                             Shape<5, 6, 6>>);
// Keras' defaults and counts: kh * kw * in * m + in * m.
static_assert(DepthwiseConv2D<Kernel<3>>::depth_multiplier == 1 && !DepthwiseConv2D<Kernel<3>>::opts::same);
static_assert(std::is_same_v<DepthwiseConv2D<Kernel<3>>::activation, Linear> && DepthwiseConv2D<Kernel<3>>::use_bias);
static_assert(std::is_same_v<DepthwiseConv2D<ReLU6, Kernel<3>>::activation, ReLU6>);
static_assert(DepthwiseConv2D<Kernel<3>>::bind<Shape<56, 56, 144>>::param_count == 3 * 3 * 144 + 144);
static_assert(DepthwiseConv2D<Kernel<3>, UseBias<false>>::bind<Shape<56, 56, 144>>::param_count == 1296);
static_assert(DepthwiseConv2D<Kernel<3, 2>, DepthMultiplier<2>>::bind<Shape<6, 7, 3>>::param_count == 3 * 2 * 3 * 2 + 6);
static_assert(std::is_same_v<decltype(std::declval<DepthwiseConv2D<Kernel<3, 2>, DepthMultiplier<2>>::bind<Shape<6, 7, 3>>&>()
                                          .depthwise_kernel()),
                             TensorView<float, Shape<3, 2, 3, 2>>>);
// The rules: Conv2D's rank rule, with the same words and fix; the window rule; the options.
static_assert(std::is_same_v<decltype(DepthwiseConv2D<Kernel<3>>::infer(Shape<28, 28>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<3>, error::but_got_shape<error::None, 28, 28>,
                                      error::fix_with_layer_before_it<Reshape<28, 28, 1>>>>);
static_assert(std::is_same_v<decltype(DepthwiseConv2D<Kernel<5>>::infer(Shape<4, 9, 1>{})),
                             mismatch<error::WINDOW_LARGER_THAN_INPUT, error::window<5, 5>, error::input_extent<4, 9>,
                                      error::but_got_shape<error::None, 4, 9, 1>>>);
static_assert(is_mismatch_v<decltype(DepthwiseConv2D<Kernel<3>, Padding::causal>::infer(Shape<8, 8, 3>{}))>);
static_assert(is_mismatch_v<decltype(DepthwiseConv2D<Kernel<3>, Pool<2>>::infer(Shape<8, 8, 3>{}))>);
static_assert(is_mismatch_v<decltype(DepthwiseConv2D<Padding::same>::infer(Shape<8, 8, 3>{}))>);
static_assert(is_mismatch_v<decltype(DepthwiseConv2D<Kernel<3>, DepthMultiplier<0>>::infer(Shape<8, 8, 3>{}))>);
static_assert(is_mismatch_v<decltype(DepthwiseConv2D<Kernel<3>, DepthMultiplier<1>, DepthMultiplier<2>>::infer(
                  Shape<8, 8, 3>{}))>);
static_assert(is_mismatch_v<decltype(DepthwiseConv2D<Kernel<3>, Strides<2>, DilationRate<2>>::infer(Shape<8, 8, 3>{}))>);

// A MobileNetV2 inverted-residual body (expand 1x1, depthwise 3x3, project 1x1), as Keras counts it.
using Block = Sequential<Input<14, 14, 8>, Conv2D<48, Kernel<1>, UseBias<false>>, BatchNormalization, ReLU6,
                         DepthwiseConv2D<Kernel<3>, Strides<2>, Padding::same, UseBias<false>>, BatchNormalization,
                         ReLU6, Conv2D<16, Kernel<1>, UseBias<false>>, BatchNormalization>;
static_assert(std::is_same_v<Block::output_shape, Shape<7, 7, 16>>);
static_assert(Block::param_count == 8 * 48 + 4 * 48 + 9 * 48 + 4 * 48 + 48 * 16 + 4 * 16);
constexpr auto block_summary = summary<Block>();
static_assert(block_summary.rows[3].name == "depthwise_conv2d" && block_summary.rows[3].class_name == "DepthwiseConv2D");
static_assert(block_summary.rows[3].output_shape == "(None, 7, 7, 48)" && block_summary.rows[3].params == 432);
static_assert(block_summary.rows[2].name == "re_lu" && block_summary.rows[2].class_name == "ReLU");

TEST_CASE("DepthwiseConv2D: a MobileNetV2 block prints Keras' classic summary", "[layers][depthwise][summary]") {
  std::ostringstream os;
  print_summary<Sequential<Input<14, 14, 8>, DepthwiseConv2D<Kernel<3>, Padding::same>, ReLU6,
                           DepthwiseConv2D<Kernel<3>, DepthMultiplier<2>, UseBias<false>>>>(os);
  const std::string expected =
      "Model: \"sequential\"\n"
      "_________________________________________________________________\n"
      "Layer (type)                 Output Shape              Param #   \n"
      "=================================================================\n"
      "depthwise_conv2d (DepthwiseC (None, 14, 14, 8)         80        \n"
      "_________________________________________________________________\n"
      "re_lu (ReLU)                 (None, 14, 14, 8)         0         \n"
      "_________________________________________________________________\n"
      "depthwise_conv2d_1 (Depthwis (None, 12, 12, 16)        144       \n"
      "=================================================================\n"
      "Total params: 224\n"
      "Trainable params: 224\n"
      "Non-trainable params: 0\n"
      "_________________________________________________________________\n";
  CHECK(os.str() == expected);
}

namespace {
// Runs a one-layer model on reference case `name` of depthwise.txt (x, kernel, bias -> y).
template <class Layer, class In, class X>
void check_depthwise(const std::string& name) {
  INFO(name);
  tshape_test::reference ref("depthwise.txt");
  using Net = Sequential<In, Layer>;
  auto net = make_model<Net>();
  ref.copy_to(name + ".kernel", layer<0>(net).depthwise_kernel());
  if constexpr (Layer::use_bias) ref.copy_to(name + ".bias", layer<0>(net).bias());
  X x;
  ref.copy_to(name + ".x", x);
  tshape_test::require_close(net(x), ref[name + ".y"].values, 1e-5, 1e-5);
}
}  // namespace

TEST_CASE("DepthwiseConv2D: matches PyTorch (groups = in_channels) with TensorFlow's padding", "[layers][depthwise]") {
  check_depthwise<DepthwiseConv2D<Kernel<3>, Padding::same>, Input<7, 9, 3>, Tensor<float, Shape<2, 7, 9, 3>>>("dw_same");
  check_depthwise<DepthwiseConv2D<Kernel<3>, Strides<2>, Padding::same, DepthMultiplier<2>>, Input<8, 8, 4>,
                  Tensor<float, Shape<1, 8, 8, 4>>>("dw_s2_even");
  check_depthwise<DepthwiseConv2D<Kernel<3>, Strides<2>, Padding::same>, Input<7, 7, 5>,
                  Tensor<float, Shape<2, 7, 7, 5>>>("dw_s2_odd");
  check_depthwise<DepthwiseConv2D<Kernel<3, 2>, DepthMultiplier<2>>, Input<6, 7, 3>, Tensor<float, Shape<2, 6, 7, 3>>>(
      "dw_valid");
  check_depthwise<DepthwiseConv2D<Kernel<3>, DilationRate<2>, Padding::same, DepthMultiplier<3>>, Input<9, 10, 2>,
                  Tensor<float, Shape<1, 9, 10, 2>>>("dw_dilated");
  check_depthwise<DepthwiseConv2D<Kernel<4>, Strides<2>, Padding::same>, Input<9, 9, 3>,
                  Tensor<float, Shape<1, 9, 9, 3>>>("dw_even");
  check_depthwise<DepthwiseConv2D<Kernel<3>, Padding::same, DepthMultiplier<2>, UseBias<false>>, Input<5, 6, 37>,
                  Tensor<float, Shape<2, 5, 6, 37>>>("dw_wide");
}

TEST_CASE("DepthwiseConv2D: Keras' weight names and order, set and read back", "[layers][depthwise]") {
  using Net = Sequential<Input<6, 7, 3>, DepthwiseConv2D<Kernel<3, 2>, DepthMultiplier<2>>,
                         DepthwiseConv2D<Kernel<1>, UseBias<false>>>;
  auto net = make_model<Net>(4);
  auto w = weights(net);
  REQUIRE(w.size() == 3);
  CHECK(std::string(w[0].name.view()) == "depthwise_conv2d/depthwise_kernel");
  CHECK(std::string(w[1].name.view()) == "depthwise_conv2d/bias");
  CHECK(std::string(w[2].name.view()) == "depthwise_conv2d_1/depthwise_kernel");
  CHECK(w[0].values.size() == 36);
  CHECK(w[1].values.size() == 6);
  // Keras' glorot_uniform over (3, 2, 3, 2): limit sqrt(6 / (6 * 3 + 6 * 2)); the bias zeros.
  for (float v : layer<0>(net).depthwise_kernel()) CHECK(std::fabs(v) <= std::sqrt(6.0 / 30.0));
  for (float v : layer<0>(net).bias()) CHECK(v == 0.0f);
}

TEST_CASE("DepthwiseConv2D: backward matches finite differences", "[train][depthwise]") {
  using tshape_test::check_gradients;
  check_gradients<Sequential<Input<6, 5, 3>, DepthwiseConv2D<Kernel<3>, Padding::same>>>(1);
  check_gradients<Sequential<Input<7, 8, 4>, DepthwiseConv2D<Kernel<3>, Strides<2>, Padding::same, DepthMultiplier<2>>>>(3);
  check_gradients<Sequential<Input<9, 8, 2>, DepthwiseConv2D<Kernel<3, 2>, DilationRate<2>, DepthMultiplier<3>, Tanh>>>(2);
  check_gradients<Sequential<Input<6, 6, 5>, DepthwiseConv2D<Kernel<4>, Strides<2>, Padding::same, UseBias<false>, Swish>,
                             Flatten, Dense<3, Softmax>>>(2);
  // After a convolution, so that the input gradient flows on through dx.
  check_gradients<Sequential<Input<6, 7, 3>, Conv2D<5, Kernel<1>, Tanh>, DepthwiseConv2D<Kernel<3>, Padding::same>>>(2);
  // MobileNet's activations. A finite difference across a kink is wrong by design, and hundreds of
  // outputs move with each weight: a small step, and seeds that keep every output clear of the kinks
  // (with seed 2 or 6, ReLU6 has outputs within 1e-3 of 0).
  tshape_test::gradient_check_options o;
  o.eps = 1e-3;
  check_gradients<Sequential<Input<6, 7, 3>, DepthwiseConv2D<Kernel<3>, Strides<2>, Padding::same, HardSwish>>>(2, o, -4.0f, 4.0f);
  o.seed = 4;
  check_gradients<Sequential<Input<6, 7, 3>, DepthwiseConv2D<Kernel<3>, Padding::same, DepthMultiplier<2>, ReLU6>>>(2, o, -4.0f, 4.0f);
}

TEST_CASE("DepthwiseConv2D: gradients match PyTorch's", "[train][depthwise]") {
  tshape_test::reference ref("depthwise.txt");
  using Net = Sequential<Input<6, 5, 3>, DepthwiseConv2D<Kernel<3>, Padding::same, DepthMultiplier<2>>>;
  auto net = make_model<Net>();
  auto grad = make_model<Net>();
  ref.copy_to("dw_grad.kernel", layer<0>(net).depthwise_kernel());
  ref.copy_to("dw_grad.bias", layer<0>(net).bias());
  std::fill(layer<0>(grad).depthwise_kernel().begin(), layer<0>(grad).depthwise_kernel().end(), 0.0f);
  std::fill(layer<0>(grad).bias().begin(), layer<0>(grad).bias().end(), 0.0f);
  std::vector<float> x(2 * 6 * 5 * 3), r(2 * 6 * 5 * 6), y(r.size()), dx(x.size());
  ref.copy_to("dw_grad.x", x);
  ref.copy_to("dw_grad.r", r);
  std::vector<float> saved(Net::saved_floats(2) + 16), scratch(std::max(Net::arena_floats(2), Net::backward_scratch_floats(2)) + 16);
  train_context ctx;
  net->forward_train(x.data(), y.data(), 2, saved.data(), scratch.data(), ctx);
  tshape_test::require_close(y, ref["dw_grad.y"].values, 1e-5, 1e-5);
  net->backward(x.data(), y.data(), r.data(), dx.data(), 2, saved.data(), scratch.data(), *grad, ctx);
  tshape_test::require_close(dx, ref["dw_grad.dx"].values, 1e-5, 1e-5);
  tshape_test::require_close(layer<0>(grad).depthwise_kernel(), ref["dw_grad.dkernel"].values, 1e-5, 1e-5);
  tshape_test::require_close(layer<0>(grad).bias(), ref["dw_grad.dbias"].values, 1e-5, 1e-5);
}

// MobileNetV2's inverted residual as a functional model: expand, depthwise, project, and the skip.
namespace mobilenet_block {
constexpr auto image = Input<12, 12, 16>{};
constexpr auto expand = ReLU6{}(BatchNormalization{}(Conv2D<96, Kernel<1>, UseBias<false>>{}(image)));
constexpr auto depthwise = ReLU6{}(BatchNormalization{}(DepthwiseConv2D<Kernel<3>, Padding::same, UseBias<false>>{}(expand)));
constexpr auto project = BatchNormalization{}(Conv2D<16, Kernel<1>, UseBias<false>>{}(depthwise));
constexpr auto out = Add{}(image, project);
using Net = decltype(model(image, out));
}  // namespace mobilenet_block

TEST_CASE("DepthwiseConv2D: in a functional MobileNetV2 residual block", "[layers][depthwise]") {
  using Net = mobilenet_block::Net;
  static_assert(std::is_same_v<Net::output_shape, Shape<12, 12, 16>>);
  auto net = make_model<Net>(5);
  Tensor<float, Shape<2, 12, 12, 16>> x;
  tshape_test::random_floats rnd(4);
  rnd.fill(x);
  auto y = net(x);
  for (float v : y) REQUIRE(std::isfinite(v));
  // The depthwise layer's weights by Keras' names.
  bool found = false;
  for (const auto& w : weights(net)) found = found || std::string(w.name.view()) == "depthwise_conv2d/depthwise_kernel";
  CHECK(found);
}
