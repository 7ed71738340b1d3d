// quantize() on the layers of a MobileNet-style model: Conv2D and DepthwiseConv2D with ReLU6 fused,
// a 1x1 Conv2D, a ReLU6 layer, GlobalAveragePooling2D and Dense; and on the poolings, 2D and 1D. Each
// model's int8 pass is rebuilt layer by layer from the plain reference kernels (TFLite's loops) and must
// give the same bits; its float call must stay within a stated number of output steps of the float model.
#include <tshape/model/model_ptr.hpp>
#include <tshape/model/quantize.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../support.hpp"
#include "quant_support.hpp"

using namespace tshape;
namespace kq = tshape::kernels::quant;
using tshape_test::quant::fill;
using tshape_test::quant::unpack;

namespace {
// The unpadded (taps, channels) weights of a depthwise stage.
template <class Stage>
std::vector<std::int8_t> unpack_depthwise(const Stage& st, int taps, int channels) {
  std::vector<std::int8_t> w(static_cast<std::size_t>(taps) * channels);
  for (int t = 0; t < taps; ++t)
    for (int c = 0; c < channels; ++c)
      w[static_cast<std::size_t>(t) * channels + c] = st.weights[static_cast<std::size_t>(t) * kq::padded_units(channels) + c];
  return w;
}
template <class Q, class Stage>
kq::requantization requant(const Q& q, const Stage& st, int i, const std::int32_t* sums) {
  return kq::requantization{st.bias.data(), sums, st.multiplier.data(), st.shift.data(), q.tensors[i].zero_point,
                            q.tensors[i + 1].zero_point, st.min, st.max};
}
}  // namespace

using MobileBlock = Sequential<Input<12, 11, 3>, Conv2D<8, Kernel<3, 3>, Strides<2>, Padding::same, ReLU6>,
                               DepthwiseConv2D<Kernel<3, 3>, Padding::same, ReLU6>, Conv2D<16, Kernel<1, 1>, ReLU6>,
                               DepthwiseConv2D<Kernel<3, 3>, Strides<2>, DepthMultiplier<2>, UseBias<false>>, ReLU6,
                               GlobalAveragePooling2D, Dense<5>>;

TEST_CASE("quantize: a MobileNet-style block runs TFLite's reference integers and stays near float", "[quant]") {
  auto net = make_model<MobileBlock>(21);
  // Biases that are not zero, so that their int32 quantization counts.
  net->layer<0>().bias().data()[3] = 0.2f;
  for (int c = 0; c < 8; ++c) net->layer<1>().bias().data()[c] = 0.05f * static_cast<float>(c - 4);
  Tensor<float, Shape<dyn, 12, 11, 3>> calibration(48), x(5);
  fill(calibration, 1);
  fill(x, 2);
  const auto q = quantize(*net, calibration);
  using Q = std::remove_cvref_t<decltype(q)>;
  STATIC_REQUIRE(std::is_void_v<Q::diagnosis>);

  // Fused ReLU6 is the clamp [zero point, quantized 6] (or less, if the calibrated range ends below 6).
  const auto& s0 = std::get<0>(q.stages);
  CHECK(s0.min == q.tensors[1].zero_point);
  CHECK(s0.max == kq::activation_range(kq::fused::relu6, q.tensors[1]).max);
  // Pools and the ReLU6 layer keep their input's quantization; the Mean has its own.
  CHECK(q.tensors[5].scale == q.tensors[4].scale);
  CHECK(q.tensors[5].zero_point == q.tensors[4].zero_point);

  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);

  constexpr auto g0 = detail::quant::conv_geometry_of<Conv2D<8, Kernel<3, 3>, Strides<2>, Padding::same, ReLU6>, Shape<12, 11, 3>>();
  constexpr auto g1 = detail::quant::window_of<DepthwiseConv2D<Kernel<3, 3>, Padding::same, ReLU6>, Shape<6, 6, 8>>;
  constexpr auto g3 = detail::quant::window_of<DepthwiseConv2D<Kernel<3, 3>, Strides<2>, DepthMultiplier<2>, UseBias<false>>,
                                               Shape<6, 6, 16>>;
  STATIC_REQUIRE(g3.oh == 2);
  STATIC_REQUIRE(g3.oc == 32);
  const int batch = 5;
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(batch * 6 * 6 * 8), c(batch * 6 * 6 * 8), d(batch * 6 * 6 * 16),
      e(batch * 2 * 2 * 32), f(e.size()), g(batch * 32), h(batch * 5);
  kq::conv2d_reference(g0, batch, a.data(), unpack(s0, 27, 8).data(), requant(q, s0, 0, s0.sums.data()), b.data());
  kq::depthwise_reference(g1, batch, b.data(), unpack_depthwise(std::get<1>(q.stages), 9, 8).data(),
                          requant(q, std::get<1>(q.stages), 1, nullptr), c.data());
  const auto& s2 = std::get<2>(q.stages);
  kq::conv2d_reference(detail::quant::conv_geometry_of<Conv2D<16, Kernel<1, 1>, ReLU6>, Shape<6, 6, 8>>(), batch, c.data(),
                       unpack(s2, 8, 16).data(), requant(q, s2, 2, s2.sums.data()), d.data());
  const auto& s3 = std::get<3>(q.stages);
  CHECK(std::all_of(s3.bias.begin(), s3.bias.end(), [](std::int32_t v) { return v == 0; }));
  kq::depthwise_reference(g3, batch, d.data(), unpack_depthwise(s3, 9, 32).data(), requant(q, s3, 3, nullptr), e.data());
  const auto six = kq::activation_range(kq::fused::relu6, q.tensors[4]);
  for (std::size_t k = 0; k < e.size(); ++k) f[k] = static_cast<std::int8_t>(std::clamp<std::int32_t>(e[k], six.min, six.max));
  const auto& s5 = std::get<5>(q.stages);
  kq::mean_reference(batch, 4, 32, f.data(), {s5.multiplier, s5.shift, q.tensors[5].zero_point, q.tensors[6].zero_point}, g.data());
  const auto& s6 = std::get<6>(q.stages);
  kq::reference(batch, 32, 5, g.data(), unpack(s6, 32, 5).data(), requant(q, s6, 6, s6.sums.data()), h.data());
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == h);

  // Float in and out, against the float model: within 3 output steps here (each of the 7 layers rounds
  // once more; the largest difference seen is reported when this fails).
  const auto y = q(x);
  const auto yf = (*net)(x);
  float worst = 0.0f;
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) worst = std::max(worst, std::fabs(y[i] - yf[i]) / q.output_quantization().scale);
  INFO("largest difference from float, in output steps: " << worst);
  CHECK(worst <= 3.0f);
}

TEST_CASE("quantize: max and average pooling keep the quantization and run TFLite's integers", "[quant]") {
  using Conv = Conv2D<6, Kernel<3, 3>, ReLU>;
  using Max = MaxPooling2D<Pool<2, 2>>;
  using Avg = AveragePooling2D<Pool<3, 3>, Strides<2>, Padding::same>;
  using Net = Sequential<Input<11, 10, 3>, Conv, Max, Avg, Flatten, Dense<4>>;
  auto net = make_model<Net>(5);
  Tensor<float, Shape<dyn, 11, 10, 3>> calibration(32), x(3);
  fill(calibration, 3);
  fill(x, 4);
  const auto q = quantize(*net, calibration);
  CHECK(q.tensors[2].scale == q.tensors[1].scale);
  CHECK(q.tensors[3].zero_point == q.tensors[1].zero_point);
  const auto yq = q.int8(q.quantize_input(x));

  constexpr auto g0 = detail::quant::conv_geometry_of<Conv, Shape<11, 10, 3>>();
  constexpr auto g1 = detail::quant::window_of<Max, Shape<9, 8, 6>>;
  constexpr auto g2 = detail::quant::window_of<Avg, Shape<4, 4, 6>>;
  STATIC_REQUIRE(g2.oh == 2);
  const auto xq = q.quantize_input(x);
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(3 * 9 * 8 * 6), c(3 * 4 * 4 * 6), d(3 * 2 * 2 * 6), e(3 * 4);
  const auto& s0 = std::get<0>(q.stages);
  kq::conv2d_reference(g0, 3, a.data(), unpack(s0, 27, 6).data(), requant(q, s0, 0, s0.sums.data()), b.data());
  kq::pool_reference<true>(g1, 3, b.data(), c.data());
  kq::pool_reference<false>(g2, 3, c.data(), d.data());
  const auto& s4 = std::get<4>(q.stages);
  kq::reference(3, 24, 4, d.data(), unpack(s4, 24, 4).data(), requant(q, s4, 4, s4.sums.data()), e.data());
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == e);

  const auto y = q(x);
  const auto yf = (*net)(x);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) CHECK(std::fabs(y[i] - yf[i]) <= 3 * q.output_quantization().scale);
}

TEST_CASE("quantize: the 1D poolings and the global ones, batch 1 and dyn", "[quant]") {
  using Net = Sequential<Input<17, 4>, Dense<6, ReLU6>, MaxPooling1D<Pool<2>>, AveragePooling1D<Pool<3>, Strides<2>, Padding::same>,
                         GlobalMaxPooling1D, Dense<3>>;
  auto net = make_model<Net>(8);
  Tensor<float, Shape<dyn, 17, 4>> calibration(40), x(4);
  fill(calibration, 5, -2.0f, 2.0f);
  fill(x, 6, -2.0f, 2.0f);
  const auto q = quantize(*net, calibration);
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  // Dense on each of the 17 steps, then the pools as the 2D ones with one row, then the global max.
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(4 * 17 * 6), c(4 * 8 * 6), d(4 * 4 * 6), e(4 * 6), f(4 * 3);
  const auto& s0 = std::get<0>(q.stages);
  kq::reference(4 * 17, 4, 6, a.data(), unpack(s0, 4, 6).data(), requant(q, s0, 0, s0.sums.data()), b.data());
  kq::pool_reference<true>(kernels::make_geometry(1, 17, 6, 1, 2, 1, 2, 1, 1, false, 6), 4, b.data(), c.data());
  kq::pool_reference<false>(kernels::make_geometry(1, 8, 6, 1, 3, 1, 2, 1, 1, true, 6), 4, c.data(), d.data());
  kq::global_max(4, 4, 6, d.data(), e.data());
  const auto& s4 = std::get<4>(q.stages);
  kq::reference(4, 6, 3, e.data(), unpack(s4, 6, 3).data(), requant(q, s4, 4, s4.sums.data()), f.data());
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == f);
  const auto y = q(x);
  const auto yf = (*net)(x);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) CHECK(std::fabs(y[i] - yf[i]) <= 3 * q.output_quantization().scale);

  // GlobalAveragePooling1D: TFLite's Mean, its own quantization; batch 1, static.
  using Mean = Sequential<Input<9, 5>, GlobalAveragePooling1D, Dense<2>>;
  auto mnet = make_model<Mean>(9);
  Tensor<float, Shape<dyn, 9, 5>> mcal(30);
  fill(mcal, 7, -3.0f, 3.0f);
  const auto mq = quantize(*mnet, mcal);
  Tensor<float, Shape<1, 9, 5>> one;
  fill(one, 8, -3.0f, 3.0f);
  const auto oq = mq.quantize_input(one);
  std::vector<std::int8_t> m(5), o(2);
  const auto& ms = std::get<0>(mq.stages);
  kq::mean_reference(1, 9, 5, oq.data(), {ms.multiplier, ms.shift, mq.tensors[0].zero_point, mq.tensors[1].zero_point}, m.data());
  const auto& ds = std::get<1>(mq.stages);
  kq::reference(1, 5, 2, m.data(), unpack(ds, 5, 2).data(), requant(mq, ds, 1, ds.sums.data()), o.data());
  const auto got = mq.int8(oq);
  CHECK(std::vector<std::int8_t>(got.begin(), got.end()) == o);
  const auto yo = mq(one);
  const auto yfo = (*mnet)(one);
  for (int k = 0; k < 2; ++k) CHECK(std::fabs(yo(0, k) - yfo(0, k)) <= 3 * mq.output_quantization().scale);
}

namespace {
// Keras' MobileNet block: convolutions without bias, each followed by a BatchNormalization, ReLU6 as layers
// (the first with PyTorch's epsilon and momentum, as a converted model has them).
using KerasBlock = Sequential<Input<10, 9, 3>, Conv2D<8, Kernel<3, 3>, Strides<2>, Padding::same, UseBias<false>>,
                              BatchNormalization::with<Momentum<9, 10>, Epsilon<1, 100000>>, ReLU6, DepthwiseConv2D<Kernel<3, 3>, Padding::same, UseBias<false>>,
                              BatchNormalization, ReLU6, Conv2D<12, Kernel<1, 1>, UseBias<false>>, BatchNormalization,
                              GlobalAveragePooling2D, Dense<4>>;
template <class B>
void randomize(B& bn, std::uint64_t seed) {
  tshape_test::random_floats rnd(seed);
  for (auto& v : bn.gamma()) v = rnd(0.5f, 2.0f);
  for (auto& v : bn.beta()) v = rnd(-0.5f, 0.5f);
  for (auto& v : bn.moving_mean()) v = rnd(-0.3f, 0.3f);
  for (auto& v : bn.moving_variance()) v = rnd(0.2f, 1.5f);
}
}  // namespace

TEST_CASE("quantize: BatchNormalization folds into the convolution before it, as TFLite's converter does", "[quant]") {
  auto net = make_model<KerasBlock>(31);
  randomize(net->layer<1>(), 1);
  randomize(net->layer<4>(), 2);
  randomize(net->layer<7>(), 3);
  Tensor<float, Shape<dyn, 10, 9, 3>> calibration(48), x(4);
  fill(calibration, 9);
  fill(x, 10);
  const auto q = quantize(*net, calibration);

  // The folded kernel is kernel * gamma / sqrt(variance + epsilon), per output channel.
  const auto& conv = net->layer<0>();
  const auto& bn = net->layer<1>();
  const auto& s0 = std::get<0>(q.stages);
  for (int c = 0; c < 8; ++c) {
    const float scale = bn.gamma()[c] / std::sqrt(bn.moving_variance()[c] + 1e-5f);
    float max_abs = 0.0f;
    for (int k = 0; k < 27; ++k) max_abs = std::max(max_abs, std::fabs(conv.kernel().data()[k * 8 + c] * scale));
    for (int k = 0; k < 27; ++k)
      CHECK(s0.packed[kq::packed_index(27, c, k)] == kq::quantize_weight(conv.kernel().data()[k * 8 + c] * scale, max_abs));
    const float shift = bn.beta()[c] - bn.moving_mean()[c] * scale;
    CHECK(s0.bias[c] == kq::quantize_bias(shift, q.tensors[0].scale, kq::weight_scale(max_abs)));
  }
  // The BatchNormalization passes the convolution's int8 output on: the same quantization.
  CHECK(q.tensors[2].scale == q.tensors[1].scale);
  CHECK(q.tensors[2].zero_point == q.tensors[1].zero_point);

  // Bit for bit: the reference kernels on the folded stages, the BatchNormalizations gone.
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  const int batch = 4;
  constexpr auto g0 = detail::quant::conv_geometry_of<Conv2D<8, Kernel<3, 3>, Strides<2>, Padding::same, UseBias<false>>, Shape<10, 9, 3>>();
  constexpr auto g3 = detail::quant::window_of<DepthwiseConv2D<Kernel<3, 3>, Padding::same, UseBias<false>>, Shape<5, 5, 8>>;
  constexpr auto g6 = detail::quant::conv_geometry_of<Conv2D<12, Kernel<1, 1>, UseBias<false>>, Shape<5, 5, 8>>();
  auto relu6 = [](std::vector<std::int8_t>& v, kq::affine t) {
    const auto r = kq::activation_range(kq::fused::relu6, t);
    for (auto& e : v) e = static_cast<std::int8_t>(std::clamp<std::int32_t>(e, r.min, r.max));
  };
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(batch * 25 * 8), c(b.size()), d(batch * 25 * 12), e(batch * 12), f(batch * 4);
  kq::conv2d_reference(g0, batch, a.data(), unpack(s0, 27, 8).data(), requant(q, s0, 0, s0.sums.data()), b.data());
  relu6(b, q.tensors[3]);
  const auto& s3 = std::get<3>(q.stages);
  kq::depthwise_reference(g3, batch, b.data(), unpack_depthwise(s3, 9, 8).data(), requant(q, s3, 3, nullptr), c.data());
  relu6(c, q.tensors[6]);
  const auto& s6 = std::get<6>(q.stages);
  kq::conv2d_reference(g6, batch, c.data(), unpack(s6, 8, 12).data(), requant(q, s6, 6, s6.sums.data()), d.data());
  const auto& s8 = std::get<8>(q.stages);
  kq::mean_reference(batch, 25, 12, d.data(), {s8.multiplier, s8.shift, q.tensors[8].zero_point, q.tensors[9].zero_point}, e.data());
  const auto& s9 = std::get<9>(q.stages);
  kq::reference(batch, 12, 4, e.data(), unpack(s9, 12, 4).data(), requant(q, s9, 9, s9.sums.data()), f.data());
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == f);

  const auto y = q(x);
  const auto yf = (*net)(x);
  float worst = 0.0f;
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) worst = std::max(worst, std::fabs(y[i] - yf[i]) / q.output_quantization().scale);
  INFO("largest difference from float, in output steps: " << worst);
  CHECK(worst <= 3.0f);

  // Folding needs a layer without activation right before: otherwise quantize() refuses the model.
  using AfterReLU = Sequential<Input<6, 6, 2>, Conv2D<4, Kernel<3, 3>, ReLU>, BatchNormalization, Flatten, Dense<2>>;
  using First = Sequential<Input<6, 6, 2>, BatchNormalization, Conv2D<4, Kernel<3, 3>>, Flatten, Dense<2>>;
  STATIC_REQUIRE(std::is_same_v<Quantized<AfterReLU>::diagnosis,
                                error::NOT_QUANTIZABLE<error::at_layer<1>, BatchNormalization>>);
  STATIC_REQUIRE(std::is_same_v<Quantized<First>::diagnosis, error::NOT_QUANTIZABLE<error::at_layer<0>, BatchNormalization>>);
}

TEST_CASE("quantize: a dilated DepthwiseConv2D with 'same' padding, and a Dense with ReLU6", "[quant]") {
  using Dw = DepthwiseConv2D<Kernel<3, 3>, DilationRate<2>, Padding::same, ReLU6>;
  using Net = Sequential<Input<9, 8, 5>, Dw, GlobalAveragePooling2D, Dense<3, ReLU6>>;
  auto net = make_model<Net>(41);
  // Enough samples that the test inputs stay inside the calibrated ranges (outputs past them saturate).
  Tensor<float, Shape<dyn, 9, 8, 5>> calibration(96), x(2);
  fill(calibration, 11, -2.0f, 2.0f);
  fill(x, 12, -2.0f, 2.0f);
  const auto q = quantize(*net, calibration);
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  constexpr auto g = detail::quant::window_of<Dw, Shape<9, 8, 5>>;
  STATIC_REQUIRE(g.dh == 2);
  STATIC_REQUIRE(g.pad_top == 2);
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(2 * 9 * 8 * 5), m(2 * 5), c(2 * 3);
  const auto& s0 = std::get<0>(q.stages);
  kq::depthwise_reference(g, 2, a.data(), unpack_depthwise(s0, 9, 5).data(), requant(q, s0, 0, nullptr), b.data());
  const auto& s1 = std::get<1>(q.stages);
  kq::mean_reference(2, 72, 5, b.data(), {s1.multiplier, s1.shift, q.tensors[1].zero_point, q.tensors[2].zero_point}, m.data());
  const auto& s2 = std::get<2>(q.stages);
  CHECK(s2.max == kq::activation_range(kq::fused::relu6, q.tensors[3]).max);
  kq::reference(2, 5, 3, m.data(), unpack(s2, 5, 3).data(), requant(q, s2, 2, s2.sums.data()), c.data());
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == c);
  const auto y = q(x);
  const auto yf = (*net)(x);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) CHECK(std::fabs(y[i] - yf[i]) <= 3 * q.output_quantization().scale);
}
