// Conv2DTranspose: Keras' output lengths and options as shape rules, its summary row and weights,
// the GEMM + scatter kernel against the plain scatter (kernels/conv_transpose/reference.hpp), PyTorch's
// numbers (tests/reference/make_conv_transpose.py, checked there against TensorFlow's definition)
// for the output and every gradient, and finite differences.
#include <tshape/kernels/conv_transpose/reference.hpp>
#include <tshape/tshape.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "../train/gradient_check.hpp"

using namespace tshape;

template <class L, int... D>
using out_t = decltype(L::infer(Shape<D...>{}));

// Keras' deconv_output_length: 'valid' n*s + max(k - s, 0), 'same' n*s, and with output_padding
// (n - 1)*s + k - 2*pad + p (pad = k/2 for 'same').
static_assert(std::is_same_v<out_t<Conv2DTranspose<4, Kernel<3>>, 5, 4, 2>, Shape<7, 6, 4>>);
static_assert(std::is_same_v<out_t<Conv2DTranspose<4, Kernel<3>, Strides<2>>, 5, 4, 2>, Shape<11, 9, 4>>);
static_assert(std::is_same_v<out_t<Conv2DTranspose<4, Kernel<1>, Strides<2>>, 5, 4, 2>, Shape<10, 8, 4>>);  // k < s
static_assert(std::is_same_v<out_t<Conv2DTranspose<4, Kernel<3>, Strides<2>, Padding::same>, 5, 4, 2>, Shape<10, 8, 4>>);
static_assert(std::is_same_v<out_t<Conv2DTranspose<4, Kernel<3>, Strides<2>, OutputPadding<1>>, 5, 4, 2>, Shape<12, 10, 4>>);
static_assert(
    std::is_same_v<out_t<Conv2DTranspose<4, Kernel<3>, Strides<2>, Padding::same, OutputPadding<1, 0>>, 5, 4, 2>,
                   Shape<10, 7, 4>>);
static_assert(std::is_same_v<out_t<Conv2DTranspose<2, Kernel<2, 3>, Strides<1, 2>, Padding::same>, 4, 3, 2>, Shape<4, 6, 2>>);

// The rules: OutputPadding smaller than the stride, a kernel, the options it takes, rank.
static_assert(std::is_same_v<out_t<Conv2DTranspose<4, Kernel<3>, Strides<2>, OutputPadding<2>>, 5, 5, 1>,
                             mismatch<error::BAD_OPTION_VALUE,
                                      error::output_padding_must_be_smaller_than_strides<OutputPadding<2>, Strides<2>>>>);
static_assert(is_mismatch_v<out_t<Conv2DTranspose<4, Kernel<3>, OutputPadding<1>>, 5, 5, 1>>);  // stride 1: none
static_assert(is_mismatch_v<out_t<Conv2DTranspose<4, Kernel<3>, Strides<2>, OutputPadding<1, 1, 1>>, 5, 5, 1>>);
static_assert(is_mismatch_v<out_t<Conv2DTranspose<4, Strides<2>>, 5, 5, 1>>);                    // no Kernel
static_assert(is_mismatch_v<out_t<Conv2DTranspose<4, Kernel<3>, Padding::causal>, 5, 5, 1>>);    // not taken
static_assert(is_mismatch_v<out_t<Conv2DTranspose<4, Kernel<3>, DilationRate<2>>, 5, 5, 1>>);    // not taken
static_assert(is_mismatch_v<out_t<Conv2DTranspose<0, Kernel<3>>, 5, 5, 1>>);
static_assert(std::is_same_v<out_t<Conv2DTranspose<4, Kernel<3>>, 5, 5>,
                             mismatch<error::WRONG_RANK, error::expected_rank<3>, error::got<Shape<5, 5>>,
                                      error::fix_with_layer_before_it<Reshape<5, 5, 1>>>>);
static_assert(is_mismatch_v<out_t<Conv2DTranspose<4, Kernel<3>>, 25>>);

// Summary: Keras' name and count (kh*kw*filters*in + filters).
using Decoder = Sequential<Input<7, 7, 8>, Conv2DTranspose<16, Kernel<3>, Strides<2>, Padding::same, ReLU>,
                           Conv2DTranspose<1, Kernel<3>, Strides<2>, Padding::same, Sigmoid, UseBias<false>>>;
constexpr auto decoder = summary<Decoder>();
static_assert(decoder.rows[0].name == "conv2d_transpose" && decoder.rows[0].class_name == "Conv2DTranspose");
static_assert(decoder.rows[0].output_shape == "(None, 14, 14, 16)" && decoder.rows[0].params == 3 * 3 * 16 * 8 + 16);
static_assert(decoder.rows[1].name == "conv2d_transpose_1" && decoder.rows[1].params == 3 * 3 * 1 * 16);
static_assert(decoder.rows[1].output_shape == "(None, 28, 28, 1)");

TEST_CASE("Conv2DTranspose: Keras' kernel layout (kh, kw, filters, in) and weight names", "[layers][conv2d_transpose]") {
  auto net = make_model<Decoder>();
  auto w = weights(net);
  REQUIRE(w.size() == 3);
  CHECK(w[0].name == "conv2d_transpose/kernel");
  CHECK(w[1].name == "conv2d_transpose/bias");
  CHECK(w[2].name == "conv2d_transpose_1/kernel");
  CHECK(std::vector<int>(w[0].shape().begin(), w[0].shape().end()) == std::vector<int>{3, 3, 16, 8});
  CHECK(std::vector<int>(w[2].shape().begin(), w[2].shape().end()) == std::vector<int>{3, 3, 1, 16});
  // Saved and loaded like every layer's.
  tshape_test::random_floats gen(2);
  for (auto& a : w) gen.fill(a.values);
  const std::string path = "/tmp/tshape_conv2d_transpose_weights_test.npz";
  save_weights(net, path);
  auto other = make_model<Decoder>();
  load_weights(other, path);
  std::remove(path.c_str());
  auto v = weights(other);
  for (std::size_t i = 0; i < w.size(); ++i) tshape_test::require_close(v[i].values, w[i].values, 0, 0);
}

namespace {

/// The layer's forward against the plain scatter, on random weights, `batch` samples.
template <class L, int H, int W, int C>
void check_against_reference(int batch) {
  using B = typename L::template bind<Shape<H, W, C>>;
  auto layer = std::make_unique<B>();
  tshape_test::random_floats gen(9);
  layer->for_each_weight([&](auto, auto view) { gen.fill(view); });
  std::vector<float> x(static_cast<std::size_t>(batch) * H * W * C), y(batch * detail::sample_size<typename B::output_shape>),
      expected(y.size()), scratch(B::scratch_floats(batch) + 16);
  gen.fill(x);
  layer->forward(x.data(), y.data(), batch, scratch.data());
  const float* bias = nullptr;
  if constexpr (L::use_bias) bias = layer->bias().data();
  kernels::conv_transpose::reference(L::template geometry_for<H, W, C>, x.data(), layer->kernel().data(), bias,
                                     expected.data(), batch);
  tshape_test::require_close(y, expected, 1e-5, 1e-5);
}

template <class Net>
void check_case(const std::string& name) {
  INFO(name);
  tshape_test::reference ref("conv_transpose.txt");
  const int batch = ref[name + ".x"].dims[0];
  auto net = std::make_unique<Net>(), grad = std::make_unique<Net>();
  int i = 0;
  for_each_weight(*net, [&](const weight_ref& w) { ref.copy_to(name + ".w" + std::to_string(i++), w.values); });
  for_each_weight(*grad, [](const weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });
  std::vector<float> x(ref[name + ".x"].values.size()), dy(ref[name + ".r"].values.size());
  ref.copy_to(name + ".x", x);
  ref.copy_to(name + ".r", dy);
  REQUIRE(dy.size() == static_cast<std::size_t>(batch) * detail::sample_size<typename Net::output_shape>);
  std::vector<float> y(dy.size()), dx(x.size(), 12345.0f);
  std::vector<float> saved(Net::saved_floats(batch) + 16);
  std::vector<float> scratch(std::max(Net::arena_floats(batch), Net::backward_scratch_floats(batch)) + 16);
  train_context ctx;
  net->forward_train(x.data(), y.data(), batch, saved.data(), scratch.data(), ctx);
  tshape_test::require_close(y, ref[name + ".y"].values, 1e-5, 1e-5);
  std::vector<float> y2(y.size()), arena(Net::arena_floats(batch) + 16);
  net->run_forward(x.data(), y2.data(), batch, arena.data());
  tshape_test::require_close(y2, y, 0, 0);
  net->backward(x.data(), y.data(), dy.data(), dx.data(), batch, saved.data(), scratch.data(), *grad, ctx);
  tshape_test::require_close(dx, ref[name + ".dx"].values, 1e-4, 1e-5);
  i = 0;
  for_each_weight(*grad, [&](const weight_ref& g) {
    const std::string array = name + ".g" + std::to_string(i++);
    INFO(array);
    tshape_test::require_close(g.values, ref[array].values, 1e-4, 1e-5);
  });
}

}  // namespace

TEST_CASE("Conv2DTranspose: the GEMM kernel matches the plain scatter", "[layers][conv2d_transpose]") {
  check_against_reference<Conv2DTranspose<3, Kernel<3>, Strides<2>, Padding::same>, 5, 4, 3>(1);
  check_against_reference<Conv2DTranspose<3, Kernel<3>, Strides<2>, Padding::same>, 5, 4, 3>(30);  // two chunks
  check_against_reference<Conv2DTranspose<5, Kernel<4, 3>, Strides<3, 2>, OutputPadding<2, 1>>, 3, 5, 7>(3);
  check_against_reference<Conv2DTranspose<2, Kernel<1>, Strides<3>, UseBias<false>>, 4, 4, 2>(2);
  check_against_reference<Conv2DTranspose<32, Kernel<5>, Strides<2>, Padding::same>, 9, 9, 20>(2);  // BLAS-sized
}

TEST_CASE("Conv2DTranspose: output and gradients match PyTorch", "[layers][conv2d_transpose][reference]") {
  check_case<Sequential<Input<5, 4, 3>, Conv2DTranspose<2, Kernel<3>>>>("valid_s1");
  check_case<Sequential<Input<4, 5, 2>, Conv2DTranspose<3, Kernel<3>, Strides<2>, Tanh>>>("valid_s2_tanh");
  check_case<Sequential<Input<5, 5, 2>, Conv2DTranspose<3, Kernel<3>, Padding::same>>>("same_s1");
  check_case<Sequential<Input<3, 4, 2>, Conv2DTranspose<2, Kernel<3>, Strides<2>, Padding::same>>>("same_s2");
  check_case<Sequential<Input<3, 3, 3>, Conv2DTranspose<2, Kernel<4>, Strides<2>, Padding::same, Sigmoid>>>(
      "same_s2_k4_sigmoid");
  check_case<Sequential<Input<3, 3, 2>, Conv2DTranspose<2, Kernel<3>, Strides<2>, OutputPadding<1>>>>("valid_s2_op1");
  check_case<Sequential<Input<4, 3, 2>, Conv2DTranspose<3, Kernel<3>, Strides<2>, Padding::same, OutputPadding<1, 1>>>>(
      "same_s2_op1");
  check_case<Sequential<Input<3, 2, 1>, Conv2DTranspose<2, Kernel<5>, Strides<3>, Padding::same, OutputPadding<2, 1>>>>(
      "same_s3_k5_op");
  check_case<Sequential<Input<3, 4, 3>, Conv2DTranspose<2, Kernel<1>, Strides<2>>>>("valid_k1_s2");
  check_case<Sequential<Input<4, 3, 2>, Conv2DTranspose<3, Kernel<2, 3>, Strides<1, 2>, Padding::same, UseBias<false>>>>(
      "rect_nobias");
}

TEST_CASE("backward: Conv2DTranspose matches finite differences", "[train][backward][conv2d_transpose]") {
  using tshape_test::check_gradients;
  check_gradients<Sequential<Input<3, 4, 2>, Conv2DTranspose<3, Kernel<3>, Strides<2>, Padding::same, Tanh>>>(2);
  check_gradients<Sequential<Input<4, 3, 3>, Conv2DTranspose<2, Kernel<2>, Strides<2>, OutputPadding<1>, UseBias<false>>>>(1);
  check_gradients<Sequential<Input<3, 3, 2>, Conv2DTranspose<2, Kernel<3>, Softplus>>>(60);  // two chunks
  // A decoder: a convolution, then the transposed convolution up, then a 'same' convolution.
  check_gradients<Sequential<Input<4, 4, 1>, Conv2D<3, Kernel<3>, Strides<2>, Padding::same, Tanh>,
                             Conv2DTranspose<2, Kernel<3>, Strides<2>, Padding::same, Tanh>, Conv2D<1, Kernel<1>>>>(3);
}

TEST_CASE("Conv2DTranspose: a frozen layer adds no weight gradient, and dx is skipped when nothing wants it",
          "[train][conv2d_transpose]") {
  using B = Conv2DTranspose<3, Kernel<3>, Strides<2>, Padding::same, Tanh>::bind<Shape<3, 4, 2>>;
  auto layer = std::make_unique<B>(), grad = std::make_unique<B>();
  tshape_test::random_floats gen(4);
  layer->for_each_weight([&](auto, auto view) { gen.fill(view); });
  grad->for_each_weight([](auto, auto view) { std::fill(view.begin(), view.end(), 0.0f); });
  constexpr int batch = 2;
  std::vector<float> x(batch * detail::sample_size<B::input_shape>), y(batch * detail::sample_size<B::output_shape>),
      dy(y.size()), dx(x.size()), dx_frozen(x.size());
  std::vector<float> saved(B::saved_floats(batch) + 16),
      scratch(std::max(B::scratch_floats(batch), B::backward_scratch_floats(batch)) + 16);
  gen.fill(x);
  gen.fill(dy);
  train_context ctx;
  layer->forward_train(x.data(), y.data(), batch, saved.data(), scratch.data(), ctx);
  layer->backward(x.data(), y.data(), dy.data(), dx.data(), batch, saved.data(), scratch.data(), *grad, ctx);
  float moved = 0.0f;
  grad->for_each_weight([&](auto, auto view) {
    for (float v : view) moved += std::fabs(v);
  });
  CHECK(moved > 0.0f);

  ctx.trainable = false;
  auto frozen_grad = std::make_unique<B>();
  frozen_grad->for_each_weight([](auto, auto view) { std::fill(view.begin(), view.end(), 0.0f); });
  layer->backward(x.data(), y.data(), dy.data(), dx_frozen.data(), batch, saved.data(), scratch.data(), *frozen_grad, ctx);
  frozen_grad->for_each_weight([](auto, auto view) {
    for (float v : view) CHECK(v == 0.0f);
  });
  tshape_test::require_close(dx_frozen, dx, 0, 0);  // the input's gradient is the same
  ctx.trainable = true;
  layer->backward(x.data(), y.data(), dy.data(), nullptr, batch, saved.data(), scratch.data(), *frozen_grad, ctx);
}
