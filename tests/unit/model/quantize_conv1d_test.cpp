// quantize() on Conv1D, which TFLite's converter makes a Conv2D over one row: per-output-channel int8
// weights, int32 bias, fixed-point requantization, fused ReLU/ReLU6 as the clamp, 'valid', 'same' and
// 'causal' padding (the causal frames at the input's zero point, as TFLite's Pad), strides and dilation.
// The int8 pass must give the bits of a plain 1D loop of TFLite's scheme written here (not the library's
// conv kernels), with weights and biases quantized here from the float layer; a BatchNormalization after
// a Conv1D is folded into it; a small Conv1D model stays within a stated number of output steps of float.
#include <tshape/layers/batch_normalization.hpp>
#include <tshape/layers/conv1d.hpp>
#include <tshape/layers/conv2d.hpp>
#include <tshape/layers/dense.hpp>
#include <tshape/layers/global_average_pooling1d.hpp>
#include <tshape/layers/max_pooling1d.hpp>
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
enum class pad { valid, same, causal };
template <class P>
constexpr pad pad_of = std::is_same_v<P, Padding::causal> ? pad::causal : std::is_same_v<P, Padding::same> ? pad::same : pad::valid;

// Keras' Conv1D geometry along time: the output steps and the frames padded on the left ('same': the
// odd frame goes right; 'causal': the dilated window's extent - 1, all on the left).
struct axis {
  int out, left;
};
constexpr axis conv1d_axis(int steps, int k, int stride, int dilation, pad p) {
  const int window = (k - 1) * dilation + 1;
  if (p == pad::valid) return {(steps - window) / stride + 1, 0};
  const int out = (steps + stride - 1) / stride;
  if (p == pad::causal) return {out, window - 1};
  const int total = (out - 1) * stride + window - steps;
  return {out, total > 0 ? total / 2 : 0};
}

// TFLite's int8 convolution on one row, per output channel: w is (cout, k, cin); taps in the padding
// read the input's zero point, so they add nothing.
void conv1d_reference(int batch, int steps, int cin, int k, int cout, int stride, int dilation, axis a, const std::int8_t* x,
                      const std::int8_t* w, const std::int32_t* bias, const std::int32_t* multiplier, const std::int32_t* shift,
                      std::int32_t zp_in, std::int32_t zp_out, kq::clamp_range range, std::int8_t* y) {
  for (int b = 0; b < batch; ++b)
    for (int o = 0; o < a.out; ++o)
      for (int co = 0; co < cout; ++co) {
        std::int32_t acc = bias ? bias[co] : 0;
        for (int t = 0; t < k; ++t) {
          const int i = o * stride - a.left + t * dilation;
          const bool inside = i >= 0 && i < steps;
          for (int ci = 0; ci < cin; ++ci) {
            const std::int32_t v = inside ? x[(static_cast<std::size_t>(b) * steps + i) * cin + ci] : zp_in;
            acc += (v - zp_in) * w[(static_cast<std::size_t>(co) * k + t) * cin + ci];
          }
        }
        acc = kq::multiply_by_quantized_multiplier(acc, multiplier[co], shift[co]) + zp_out;
        y[(static_cast<std::size_t>(b) * a.out + o) * cout + co] = static_cast<std::int8_t>(std::clamp(acc, range.min, range.max));
      }
}

// A Conv1D's int8 weights (cout, k, cin) as TFLite quantizes them, each output channel symmetric on its
// own largest magnitude; `scale`/`shift` per channel (a folded BatchNormalization, or 1 and 0).
struct quantized_filters {
  std::vector<std::int8_t> w;
  std::vector<std::int32_t> bias;
  std::vector<float> weight_scale;
};
template <class Layer>
quantized_filters quantize_filters(const Layer& layer, int k, int cin, int cout, float input_scale, const std::vector<float>& scale,
                                   const std::vector<float>& shift) {
  const float* kernel = layer.kernel().data();  // (k, cin, cout), Keras' layout
  quantized_filters f;
  f.w.resize(static_cast<std::size_t>(cout) * k * cin);
  for (int co = 0; co < cout; ++co) {
    float max_abs = 0.0f;
    for (int j = 0; j < k * cin; ++j) max_abs = std::max(max_abs, std::fabs(kernel[j * cout + co] * scale[co]));
    for (int j = 0; j < k * cin; ++j)
      f.w[static_cast<std::size_t>(co) * k * cin + j] = kq::quantize_weight(kernel[j * cout + co] * scale[co], max_abs);
    float b = 0.0f;
    if constexpr (requires { layer.bias(); }) b = layer.bias().data()[co];
    f.weight_scale.push_back(kq::weight_scale(max_abs));
    f.bias.push_back(kq::quantize_bias(b * scale[co] + shift[co], input_scale, f.weight_scale.back()));
  }
  return f;
}


// One Conv1D quantized alone: its stage against TFLite's quantization done here, its int8 pass against
// the plain loop, its float call within 2 output steps of the float layer (the input's rounding and
// the output's) once that is clamped to what the output's int8 holds (a test sample may pass the
// calibrated range; int8 saturates there, as TFLite).
template <int Steps, int Cin, int F, int K, int S, int D, class Pad, class Act = Linear, bool Bias = true>
void check_conv1d(int batch, std::uint64_t seed) {
  using L = Conv1D<F, Kernel<K>, Strides<S>, DilationRate<D>, Pad, Act, UseBias<Bias>>;
  using Net = Sequential<Input<Steps, Cin>, L>;
  constexpr axis a = conv1d_axis(Steps, K, S, D, pad_of<Pad>);
  STATIC_REQUIRE(std::is_same_v<typename Net::output_shape, Shape<a.out, F>>);
  INFO("steps " << Steps << " cin " << Cin << " filters " << F << " k " << K << " stride " << S << " dilation " << D
                << " padding " << static_cast<int>(pad_of<Pad>) << " batch " << batch);
  auto net = make_model<Net>(seed);
  if constexpr (Bias) fill(net->template layer<0>().bias(), seed + 1, -0.3f, 0.3f);
  Tensor<float, Shape<dyn, Steps, Cin>> calibration(64), x(batch);
  fill(calibration, seed + 2);
  fill(x, seed + 3, -0.9f, 0.9f);
  const auto q = quantize(*net, calibration);
  using Q = std::remove_cvref_t<decltype(q)>;
  STATIC_REQUIRE(std::is_void_v<typename Q::diagnosis>);
  const auto& st = std::get<0>(q.stages);
  const auto f = quantize_filters(net->template layer<0>(), K, Cin, F, q.tensors[0].scale, std::vector<float>(F, 1.0f),
                                  std::vector<float>(F, 0.0f));
  CHECK(unpack(st, K * Cin, F) == f.w);
  for (int co = 0; co < F; ++co) {
    std::int32_t sum = 0;
    for (int j = 0; j < K * Cin; ++j) sum += f.w[static_cast<std::size_t>(co) * K * Cin + j];
    CHECK(st.sums[co] == sum);
    if constexpr (Bias) CHECK(st.bias[co] == f.bias[co]);
    else CHECK(st.bias[co] == 0);
    const auto m = kq::output_multiplier(q.tensors[0].scale, f.weight_scale[co], q.tensors[1].scale);
    CHECK(st.multiplier[co] == m.value);
    CHECK(st.shift[co] == m.shift);
  }
  const auto range = kq::activation_range(detail::quant::fused_of<Act>, q.tensors[1]);
  CHECK(st.min == range.min);
  CHECK(st.max == range.max);

  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  std::vector<std::int8_t> expected(static_cast<std::size_t>(batch) * a.out * F);
  conv1d_reference(batch, Steps, Cin, K, F, S, D, a, xq.data(), f.w.data(), Bias ? f.bias.data() : nullptr, st.multiplier.data(),
                   st.shift.data(), q.tensors[0].zero_point, q.tensors[1].zero_point, range, expected.data());
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == expected);

  const auto y = q(x);
  const auto yf = (*net)(x);
  float worst = 0.0f;
  const auto t = q.output_quantization();
  const float lowest = t.scale * static_cast<float>(-128 - t.zero_point), highest = t.scale * static_cast<float>(127 - t.zero_point);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) worst = std::max(worst, std::fabs(y[i] - std::clamp(yf[i], lowest, highest)) / t.scale);
  INFO("largest difference from float, in output steps: " << worst);
  CHECK(worst <= 2.0f);
}

// The geometry quantize() gives the kernel matches Keras' rule and the float layer's output, over
// kernels 1 to 5, strides and dilations 1 to 3 (Keras takes one or the other above 1) and each padding.
template <int K, int S, int D, class Pad>
constexpr bool geometry_matches() {
  using L = Conv1D<4, Kernel<K>, Strides<S>, DilationRate<D>, Pad>;
  using In = Shape<13, 3>;
  constexpr auto g = detail::quant::conv_geometry_of<L, In>();
  constexpr axis a = conv1d_axis(13, K, S, D, pad_of<Pad>);
  using Out = typename L::template bind<In>::output_shape;
  return g.h == 1 && g.kh == 1 && g.out_h == 1 && g.pad_top == 0 && g.w == 13 && g.cin == 3 && g.kw == K && g.cout == 4 &&
         g.stride_w == S && g.dilation_w == D && g.out_w == a.out && g.pad_left == a.left && Out::extents[0] == a.out;
}
template <int K, class Pad>
constexpr bool geometry_matches_for_kernel() {
  return geometry_matches<K, 1, 1, Pad>() && geometry_matches<K, 2, 1, Pad>() && geometry_matches<K, 3, 1, Pad>() &&
         geometry_matches<K, 1, 2, Pad>() && geometry_matches<K, 1, 3, Pad>();
}
template <class Pad>
constexpr bool geometry_matches_for_padding() {
  return geometry_matches_for_kernel<1, Pad>() && geometry_matches_for_kernel<2, Pad>() && geometry_matches_for_kernel<3, Pad>() &&
         geometry_matches_for_kernel<4, Pad>() && geometry_matches_for_kernel<5, Pad>();
}
}  // namespace

TEST_CASE("quantize: Conv1D's geometry is Keras' for every kernel, stride, dilation and padding", "[quant]") {
  STATIC_REQUIRE(geometry_matches_for_padding<Padding::valid>());
  STATIC_REQUIRE(geometry_matches_for_padding<Padding::same>());
  STATIC_REQUIRE(geometry_matches_for_padding<Padding::causal>());
}

TEST_CASE("quantize: Conv1D runs TFLite's integers over paddings, strides, dilations, channels and batches", "[quant]") {
  // Kernels 1 to 5, strides 1 to 3, dilations 1 to 3, odd lengths, 1 and odd channel counts, filters
  // below, at and past a block of 16, taps of whole 4-byte groups or not, batch 1 and more.
  check_conv1d<13, 3, 5, 3, 1, 1, Padding::valid>(1, 10);
  check_conv1d<13, 3, 5, 3, 1, 1, Padding::same, ReLU>(3, 11);
  check_conv1d<13, 3, 5, 3, 1, 1, Padding::causal, ReLU6>(2, 12);
  check_conv1d<11, 1, 1, 1, 1, 1, Padding::valid>(1, 13);
  check_conv1d<17, 1, 7, 5, 2, 1, Padding::same>(3, 14);
  check_conv1d<17, 5, 9, 4, 3, 1, Padding::causal, ReLU>(1, 15);
  check_conv1d<16, 4, 8, 3, 1, 2, Padding::causal>(2, 16);
  check_conv1d<19, 7, 3, 5, 1, 3, Padding::same, ReLU6>(2, 17);
  check_conv1d<15, 8, 33, 2, 1, 3, Padding::valid>(3, 18);
  check_conv1d<9, 3, 6, 2, 3, 1, Padding::valid, ReLU>(4, 19);
  check_conv1d<7, 5, 5, 5, 2, 1, Padding::valid>(1, 20);
  check_conv1d<10, 12, 16, 3, 1, 2, Padding::valid, Linear, false>(2, 21);
  check_conv1d<5, 2, 3, 4, 1, 2, Padding::causal>(3, 22);  // the causal padding (6 frames) outgrows the input
  check_conv1d<6, 3, 4, 3, 3, 1, Padding::same, ReLU6>(1, 23);
  check_conv1d<12, 1, 3, 2, 1, 3, Padding::causal, Linear, false>(1, 24);
}

TEST_CASE("quantize: a BatchNormalization after a Conv1D folds into its weights and bias", "[quant]") {
  using Conv = Conv1D<6, Kernel<3>, DilationRate<2>, Padding::causal>;
  using Net = Sequential<Input<14, 3>, Conv, BatchNormalization, ReLU>;
  auto net = make_model<Net>(31);
  fill(net->layer<0>().bias(), 32, -0.2f, 0.2f);
  auto& bn = net->layer<1>();
  fill(bn.gamma(), 33, 0.5f, 1.5f);
  fill(bn.beta(), 34, -0.3f, 0.3f);
  fill(bn.moving_mean(), 35, -0.2f, 0.2f);
  fill(bn.moving_variance(), 36, 0.5f, 2.0f);
  Tensor<float, Shape<dyn, 14, 3>> calibration(64), x(3);
  fill(calibration, 37);
  fill(x, 38, -0.9f, 0.9f);
  const auto q = quantize(*net, calibration);
  const auto& st = std::get<0>(q.stages);

  std::vector<float> scale(6), shift(6);
  for (int c = 0; c < 6; ++c) {
    scale[c] = bn.gamma()[c] / std::sqrt(bn.moving_variance()[c] + 1e-3f);
    shift[c] = bn.beta()[c] - bn.moving_mean()[c] * scale[c];
  }
  const auto f = quantize_filters(net->layer<0>(), 3, 3, 6, q.tensors[0].scale, scale, shift);
  CHECK(unpack(st, 9, 6) == f.w);
  for (int c = 0; c < 6; ++c) CHECK(st.bias[c] == f.bias[c]);
  // The BatchNormalization passes the convolution's output on; the ReLU layer keeps it and clamps.
  CHECK(q.tensors[2].scale == q.tensors[1].scale);
  CHECK(q.tensors[3].zero_point == q.tensors[1].zero_point);

  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  std::vector<std::int8_t> expected(3 * 14 * 6);
  conv1d_reference(3, 14, 3, 3, 6, 1, 2, conv1d_axis(14, 3, 1, 2, pad::causal), xq.data(), f.w.data(), f.bias.data(),
                   st.multiplier.data(), st.shift.data(), q.tensors[0].zero_point, q.tensors[1].zero_point,
                   {st.min, st.max}, expected.data());
  const auto relu = kq::activation_range(kq::fused::relu, q.tensors[1]);
  for (auto& v : expected) v = static_cast<std::int8_t>(std::max<std::int32_t>(v, relu.min));
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == expected);

  const auto y = q(x);
  const auto yf = (*net)(x);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) CHECK(std::fabs(y[i] - yf[i]) <= 2 * q.output_quantization().scale);

  // Folding needs a Conv1D without activation right before.
  using AfterReLU = Sequential<Input<8, 2>, Conv1D<4, Kernel<3>, ReLU>, BatchNormalization>;
  STATIC_REQUIRE(std::is_same_v<Quantized<AfterReLU>::diagnosis, error::NOT_QUANTIZABLE<error::at_layer<1>, BatchNormalization>>);
}

TEST_CASE("quantize: a small Conv1D model (Conv1D, MaxPooling1D, Conv1D, GlobalAveragePooling1D, Dense)", "[quant]") {
  using C0 = Conv1D<8, Kernel<5>, Padding::same, ReLU>;
  using Pool2 = MaxPooling1D<Pool<2>>;
  using C2 = Conv1D<12, Kernel<3>, DilationRate<2>, Padding::causal, ReLU6>;
  using Net = Sequential<Input<32, 3>, C0, Pool2, C2, GlobalAveragePooling1D, Dense<4>>;
  auto net = make_model<Net>(51);
  fill(net->layer<0>().bias(), 52, -0.2f, 0.2f);
  fill(net->layer<2>().bias(), 53, -0.2f, 0.2f);
  Tensor<float, Shape<dyn, 32, 3>> calibration(96), x(5);
  fill(calibration, 54);
  fill(x, 55, -0.9f, 0.9f);
  const auto q = quantize(*net, calibration);
  using Q = std::remove_cvref_t<decltype(q)>;

  // Layer by layer with plain loops: the two Conv1Ds as here, the pool and the Mean as TFLite's.
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  const int batch = 5;
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(batch * 32 * 8), c(batch * 16 * 8), d(batch * 16 * 12), e(batch * 12),
      out(batch * 4);
  const auto& s0 = std::get<0>(q.stages);
  conv1d_reference(batch, 32, 3, 5, 8, 1, 1, conv1d_axis(32, 5, 1, 1, pad::same), a.data(), unpack(s0, 15, 8).data(), s0.bias.data(),
                   s0.multiplier.data(), s0.shift.data(), q.tensors[0].zero_point, q.tensors[1].zero_point, {s0.min, s0.max}, b.data());
  kq::pool_reference<true>(detail::quant::window_of<Pool2, Shape<32, 8>>, batch, b.data(), c.data());
  const auto& s2 = std::get<2>(q.stages);
  conv1d_reference(batch, 16, 8, 3, 12, 1, 2, conv1d_axis(16, 3, 1, 2, pad::causal), c.data(), unpack(s2, 24, 12).data(),
                   s2.bias.data(), s2.multiplier.data(), s2.shift.data(), q.tensors[2].zero_point, q.tensors[3].zero_point,
                   {s2.min, s2.max}, d.data());
  const auto& s3 = std::get<3>(q.stages);
  kq::mean_reference(batch, 16, 12, d.data(), {s3.multiplier, s3.shift, q.tensors[3].zero_point, q.tensors[4].zero_point}, e.data());
  const auto& s4 = std::get<4>(q.stages);
  const kq::requantization r4{s4.bias.data(), s4.sums.data(), s4.multiplier.data(), s4.shift.data(), q.tensors[4].zero_point,
                              q.tensors[5].zero_point, s4.min, s4.max};
  kq::reference(batch, 12, 4, e.data(), unpack(s4, 12, 4).data(), r4, out.data());
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == out);

  // Float in and out, against the float model: within 3 output steps (each of the 5 layers rounds once
  // more; the largest difference seen is reported).
  const auto y = q(x);
  const auto yf = (*net)(x);
  float worst = 0.0f;
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) worst = std::max(worst, std::fabs(y[i] - yf[i]) / q.output_quantization().scale);
  INFO("largest difference from float, in output steps: " << worst);
  CHECK(worst <= 3.0f);

  // Parameters: each Conv1D's weights packed as a Dense of k * cin deep (16 filters by 4-byte groups)
  // plus per filter an int32 bias, weight sum, multiplier and shift; the Mean's multiplier and shift.
  STATIC_REQUIRE(Q::param_bytes == (16 * 16 + 8 * 16) + (16 * 24 + 12 * 16) + 8 + (16 * 12 + 4 * 16));
  // Two buffers of the largest activation (32 x 8 bytes, a multiple of 64), then the larger convolution
  // scratch: the first Conv1D's patches (32 steps x 15 bytes) over the second's (16 x 24).
  STATIC_REQUIRE(kq::conv_geometry{1, 32, 3, 1, 5, 8, 1, 1, 0, 2, 1, 32}.scratch_bytes() == 480);
  STATIC_REQUIRE(detail::quant::conv_geometry_of<C2, Shape<16, 8>>().scratch_bytes() == 384);
  STATIC_REQUIRE(Q::arena_bytes(1) == 2 * 256 + 480);
  STATIC_REQUIRE(Q::arena_bytes(3) == 2 * 768 + 480);
  // The arena is all the int8 pass uses: run it on exactly that.
  typename Q::template arena<5> arena_for_5;
  std::vector<std::int8_t> again(out.size());
  q.forward_int8<5>(xq.data(), again.data(), arena_for_5);
  CHECK(again == out);
}

TEST_CASE("quantize: a dilated Conv2D runs the reference's integers and stays near float", "[quant]") {
  using Conv = Conv2D<6, Kernel<3, 2>, DilationRate<2, 3>, Padding::same, ReLU>;
  using Net = Sequential<Input<9, 8, 4>, Conv>;
  auto net = make_model<Net>(61);
  fill(net->layer<0>().bias(), 62, -0.2f, 0.2f);
  Tensor<float, Shape<dyn, 9, 8, 4>> calibration(48), x(2);
  fill(calibration, 63);
  fill(x, 64, -0.9f, 0.9f);
  const auto q = quantize(*net, calibration);
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  // 'same' with the dilated window (5 x 4): 2 rows on top, 1 column on the left.
  constexpr auto g = detail::quant::conv_geometry_of<Conv, Shape<9, 8, 4>>();
  STATIC_REQUIRE(g.dilation_h == 2 && g.dilation_w == 3 && g.pad_top == 2 && g.pad_left == 1 && g.out_h == 9 && g.out_w == 8);
  const auto& st = std::get<0>(q.stages);
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(2 * 9 * 8 * 6);
  const kq::requantization r{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(), q.tensors[0].zero_point,
                             q.tensors[1].zero_point, st.min, st.max};
  kq::conv2d_reference(g, 2, a.data(), unpack(st, 24, 6).data(), r, b.data());
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == b);
  const auto y = q(x);
  const auto yf = (*net)(x);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) CHECK(std::fabs(y[i] - yf[i]) <= 2 * q.output_quantization().scale);
}
