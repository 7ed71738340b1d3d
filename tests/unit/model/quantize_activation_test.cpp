// quantize() with Sigmoid, Tanh and Softmax, fused into Dense, Conv1D, Conv2D and DepthwiseConv2D or as layers:
// each runs as TFLite's int8 kernel after the layer before requantizes to its calibrated range, with
// TFLite's fixed output quantization. Checked here: the model's int8 pass is the plain reference
// kernels' rebuilt layer by layer (the activation kernels are checked bit for bit against TFLite's
// algorithm in kernels/quant_activation_test.cpp), the float call is close to the float model, and a
// model of Dense layers still quantizes at compile time.
#include <tshape/layers/batch_normalization.hpp>
#include <tshape/layers/conv1d.hpp>
#include <tshape/layers/conv2d.hpp>
#include <tshape/layers/dense.hpp>
#include <tshape/layers/depthwise_conv2d.hpp>
#include <tshape/layers/flatten.hpp>
#include <tshape/model/model_ptr.hpp>
#include <tshape/model/quantize.hpp>
#include <tshape/model/weights.hpp>

#include <cmath>
#include <vector>

#include "../support.hpp"
#include "quant_support.hpp"

using namespace tshape;
namespace kq = tshape::kernels::quant;
using tshape_test::quant::fill;
using tshape_test::quant::same;
using tshape_test::quant::unpack;

namespace {
// The requantization of stage st (layer i) to the zero point `out` (its activation's input's, or its output's).
template <class Q, class Stage>
kq::requantization requant(const Q& q, const Stage& st, int i, std::int32_t out, const std::int32_t* sums) {
  return kq::requantization{st.bias.data(), sums, st.multiplier.data(), st.shift.data(), q.tensors[i].zero_point, out,
                            st.min, st.max};
}
// One Dense stage with the plain reference kernel, to the zero point `out`.
template <class Q, class Stage>
std::vector<std::int8_t> dense_ref(const Q& q, const Stage& st, int i, int in, int units, const std::vector<std::int8_t>& x,
                                   std::int32_t out) {
  const int rows = static_cast<int>(x.size()) / in;
  std::vector<std::int8_t> y(static_cast<std::size_t>(rows) * units);
  kq::reference(rows, in, units, x.data(), unpack(st, in, units).data(), requant(q, st, i, out, st.sums.data()), y.data());
  return y;
}
}  // namespace

TEST_CASE("quantize: a Dense classifier's Softmax runs in int8 as TFLite's, close to the float model", "[quant]") {
  using Net = Sequential<Input<10>, Dense<16, ReLU>, Dense<5, Softmax>>;
  auto net = make_model<Net>(31);
  Tensor<float, Shape<dyn, 10>> calibration(200), x(100);
  fill(calibration, 32, -2.0f, 2.0f);
  fill(x, 33, -2.0f, 2.0f);
  const auto q = quantize(*net, calibration);
  CHECK(same(q.output_quantization(), {1.0f / 256, -128}));
  // The Dense requantizes to its calibrated logits' range, which the Softmax's constants are made from.
  const auto& s1 = std::get<1>(q.stages);
  CHECK(s1.pre.scale > 1.0f / 256);
  CHECK(s1.softmax.input_multiplier == kq::prepare_softmax(s1.pre.scale).input_multiplier);

  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  auto a = dense_ref(q, std::get<0>(q.stages), 0, 10, 16, std::vector<std::int8_t>(xq.begin(), xq.end()), q.tensors[1].zero_point);
  a = dense_ref(q, s1, 1, 16, 5, a, s1.pre.zero_point);
  kq::softmax(a.data(), a.data(), 100, 5, kq::prepare_softmax(s1.pre.scale));
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == a);

  // The float call is the dequantized int8 Softmax: within 0.03 of the float model's probabilities
  // (the logits' quantization and the 1/256 steps), rows summing to 1 within a few steps, and the
  // same class almost always.
  const auto y = q(x);
  const auto yf = (*net)(x);
  int agree = 0;
  float worst = 0.0f;
  for (int r = 0; r < 100; ++r) {
    float sum = 0.0f;
    int best = 0, best_f = 0;
    for (int c = 0; c < 5; ++c) {
      CHECK(y(r, c) == static_cast<float>(yq(r, c) + 128) / 256.0f);
      sum += y(r, c);
      worst = std::max(worst, std::fabs(y(r, c) - yf(r, c)));
      if (y(r, c) > y(r, best)) best = c;
      if (yf(r, c) > yf(r, best_f)) best_f = c;
    }
    CHECK(std::fabs(sum - 1.0f) <= 4.0f / 256);
    agree += best == best_f;
  }
  CHECK(worst <= 0.03f);
  CHECK(agree >= 95);
}

TEST_CASE("quantize: Tanh in a hidden Dense and a Sigmoid output run in int8, close to the float model", "[quant]") {
  using Net = Sequential<Input<7>, Dense<12, Tanh>, Dense<3, Sigmoid>>;
  auto net = make_model<Net>(41);
  Tensor<float, Shape<dyn, 7>> calibration(150), x(80);
  fill(calibration, 42, -2.0f, 2.0f);
  fill(x, 43, -2.0f, 2.0f);
  const auto q = quantize(*net, calibration);
  CHECK(same(q.tensors[1], {1.0f / 128, 0}));   // Tanh's
  CHECK(same(q.tensors[2], {1.0f / 256, -128}));  // Logistic's
  const auto& s0 = std::get<0>(q.stages);
  const auto& s1 = std::get<1>(q.stages);
  CHECK(s0.table == kq::tanh_table(kq::prepare_tanh(s0.pre)));
  CHECK(s1.table == kq::logistic_table(kq::prepare_logistic(s1.pre)));
  // Each stage's table (256 bytes) is in the parameters.
  STATIC_REQUIRE(std::remove_cvref_t<decltype(q)>::param_bytes == (16 * 8 + 4 * 12 * 4 + 256) + (16 * 12 + 4 * 3 * 4 + 256));

  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  auto a = dense_ref(q, s0, 0, 7, 12, std::vector<std::int8_t>(xq.begin(), xq.end()), s0.pre.zero_point);
  kq::lookup(a.data(), a.data(), static_cast<std::ptrdiff_t>(a.size()), s0.table);
  a = dense_ref(q, s1, 1, 12, 3, a, s1.pre.zero_point);
  for (auto& v : a) v = kq::logistic(v, kq::prepare_logistic(s1.pre));
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == a);

  const auto y = q(x);
  const auto yf = (*net)(x);
  int agree = 0;
  float worst = 0.0f;
  for (int r = 0; r < 80; ++r)
    for (int c = 0; c < 3; ++c) {
      worst = std::max(worst, std::fabs(y(r, c) - yf(r, c)));
      agree += (y(r, c) > 0.5f) == (yf(r, c) > 0.5f);
    }
  CHECK(worst <= 0.03f);
  CHECK(agree >= 235);  // of 240 labels
}

TEST_CASE("quantize: Sigmoid, Tanh and Softmax as layers, and a Softmax that is not last", "[quant]") {
  using Net = Sequential<Input<4, 3>, Dense<8>, Sigmoid, Dense<6>, Tanh, Flatten, Dense<5, Softmax>, Dense<3>, Softmax>;
  auto net = make_model<Net>(51);
  Tensor<float, Shape<dyn, 4, 3>> calibration(120), x(30);
  fill(calibration, 52, -2.0f, 2.0f);
  fill(x, 53, -2.0f, 2.0f);
  const auto q = quantize(*net, calibration);
  using Q = std::remove_cvref_t<decltype(q)>;
  STATIC_REQUIRE(std::is_void_v<Q::diagnosis>);
  // An activation layer's int8 stage takes its input's quantization.
  CHECK(same(std::get<1>(q.stages).pre, q.tensors[1]));
  CHECK(same(std::get<3>(q.stages).pre, q.tensors[3]));
  CHECK(same(std::get<7>(q.stages).pre, q.tensors[7]));
  CHECK(same(q.tensors[2], kq::logistic_output));
  CHECK(same(q.tensors[4], kq::tanh_output));
  CHECK(same(q.tensors[5], kq::tanh_output));  // Flatten keeps it
  CHECK(same(q.tensors[6], kq::softmax_output));
  CHECK(same(q.tensors[8], kq::softmax_output));

  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  std::vector<std::int8_t> a(xq.begin(), xq.end());
  a = dense_ref(q, std::get<0>(q.stages), 0, 3, 8, a, q.tensors[1].zero_point);  // on rows of 3
  kq::lookup(a.data(), a.data(), static_cast<std::ptrdiff_t>(a.size()), kq::logistic_table(kq::prepare_logistic(q.tensors[1])));
  a = dense_ref(q, std::get<2>(q.stages), 2, 8, 6, a, q.tensors[3].zero_point);
  kq::lookup(a.data(), a.data(), static_cast<std::ptrdiff_t>(a.size()), kq::tanh_table(kq::prepare_tanh(q.tensors[3])));
  const auto& s5 = std::get<5>(q.stages);
  a = dense_ref(q, s5, 5, 24, 5, a, s5.pre.zero_point);
  kq::softmax(a.data(), a.data(), 30, 5, kq::prepare_softmax(s5.pre.scale));
  a = dense_ref(q, std::get<6>(q.stages), 6, 5, 3, a, q.tensors[7].zero_point);
  kq::softmax(a.data(), a.data(), 30, 3, kq::prepare_softmax(q.tensors[7].scale));
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == a);

  const auto y = q(x);
  const auto yf = (*net)(x);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) CHECK(std::fabs(y[i] - yf[i]) <= 0.04f);
}

TEST_CASE("quantize: Conv2D and DepthwiseConv2D with Sigmoid, Tanh and a Softmax over channels", "[quant]") {
  using C0 = Conv2D<4, Kernel<3, 3>, Padding::same, Sigmoid>;
  using D1 = DepthwiseConv2D<Kernel<3, 3>, Tanh>;
  using C2 = Conv2D<3, Kernel<1, 1>, Softmax>;
  using Net = Sequential<Input<6, 5, 2>, C0, D1, C2>;
  auto net = make_model<Net>(61);
  Tensor<float, Shape<dyn, 6, 5, 2>> calibration(40), x(3);
  fill(calibration, 62, -1.0f, 1.0f);
  fill(x, 63, -1.0f, 1.0f);
  const auto q = quantize(*net, calibration);
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  const auto& s0 = std::get<0>(q.stages);
  const auto& s1 = std::get<1>(q.stages);
  const auto& s2 = std::get<2>(q.stages);
  constexpr auto g0 = detail::quant::conv_geometry_of<C0, Shape<6, 5, 2>>();
  constexpr auto g1 = detail::quant::window_of<D1, Shape<6, 5, 4>>;
  constexpr auto g2 = detail::quant::conv_geometry_of<C2, Shape<4, 3, 4>>();
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(3 * 6 * 5 * 4), c(3 * 4 * 3 * 4), d(3 * 4 * 3 * 3);
  kq::conv2d_reference(g0, 3, a.data(), unpack(s0, 18, 4).data(), requant(q, s0, 0, s0.pre.zero_point, s0.sums.data()), b.data());
  kq::lookup(b.data(), b.data(), static_cast<std::ptrdiff_t>(b.size()), kq::logistic_table(kq::prepare_logistic(s0.pre)));
  std::vector<std::int8_t> w1(9 * 4);
  for (int t = 0; t < 9; ++t)
    for (int ch = 0; ch < 4; ++ch) w1[static_cast<std::size_t>(t) * 4 + ch] = s1.weights[static_cast<std::size_t>(t) * kq::padded_units(4) + ch];
  kq::depthwise_reference(g1, 3, b.data(), w1.data(), requant(q, s1, 1, s1.pre.zero_point, nullptr), c.data());
  kq::lookup(c.data(), c.data(), static_cast<std::ptrdiff_t>(c.size()), kq::tanh_table(kq::prepare_tanh(s1.pre)));
  kq::conv2d_reference(g2, 3, c.data(), unpack(s2, 4, 3).data(), requant(q, s2, 2, s2.pre.zero_point, s2.sums.data()), d.data());
  kq::softmax(d.data(), d.data(), 3 * 4 * 3, 3, kq::prepare_softmax(s2.pre.scale));
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == d);

  const auto y = q(x);
  const auto yf = (*net)(x);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) CHECK(std::fabs(y[i] - yf[i]) <= 0.04f);
}

TEST_CASE("quantize: a causal Conv1D with Tanh and a Conv1D with a Softmax over its filters", "[quant]") {
  using C0 = Conv1D<5, Kernel<3>, Padding::causal, DilationRate<2>, Tanh>;
  using C1 = Conv1D<4, Kernel<2>, Strides<2>, Softmax>;
  using Net = Sequential<Input<11, 3>, C0, C1>;
  auto net = make_model<Net>(71);
  Tensor<float, Shape<dyn, 11, 3>> calibration(40), x(2);
  fill(calibration, 72, -1.5f, 1.5f);
  fill(x, 73, -1.5f, 1.5f);
  const auto q = quantize(*net, calibration);
  CHECK(same(q.tensors[1], kq::tanh_output));
  CHECK(same(q.tensors[2], kq::softmax_output));
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  const auto& s0 = std::get<0>(q.stages);
  const auto& s1 = std::get<1>(q.stages);
  constexpr auto g0 = detail::quant::conv_geometry_of<C0, Shape<11, 3>>();
  constexpr auto g1 = detail::quant::conv_geometry_of<C1, Shape<11, 5>>();
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(2 * 11 * 5), c(2 * 5 * 4);
  kq::conv2d_reference(g0, 2, a.data(), unpack(s0, 9, 5).data(), requant(q, s0, 0, s0.pre.zero_point, s0.sums.data()), b.data());
  kq::lookup(b.data(), b.data(), static_cast<std::ptrdiff_t>(b.size()), kq::tanh_table(kq::prepare_tanh(s0.pre)));
  kq::conv2d_reference(g1, 2, b.data(), unpack(s1, 10, 4).data(), requant(q, s1, 1, s1.pre.zero_point, s1.sums.data()), c.data());
  kq::softmax(c.data(), c.data(), 2 * 5, 4, kq::prepare_softmax(s1.pre.scale));
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == c);

  const auto y = q(x);
  const auto yf = (*net)(x);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) CHECK(std::fabs(y[i] - yf[i]) <= 0.04f);
}

TEST_CASE("quantize: an activation as the first layer maps the quantized input", "[quant]") {
  using Net = Sequential<Input<2, 6>, Softmax>;
  auto net = make_model<Net>(71);
  Tensor<float, Shape<dyn, 2, 6>> calibration(20), x(4);
  fill(calibration, 72, -2.0f, 2.0f);
  fill(x, 73, -2.0f, 2.0f);
  const auto q = quantize(*net, calibration);
  const auto xq = q.quantize_input(x);
  std::vector<std::int8_t> expected(xq.begin(), xq.end());
  kq::softmax(expected.data(), expected.data(), 8, 6, kq::prepare_softmax(q.input_quantization().scale));
  const auto yq = q.int8(xq);
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == expected);
  using Gates = Sequential<Input<5>, Sigmoid>;
  auto gates = make_model<Gates>(74);
  Tensor<float, Shape<dyn, 5>> c2(10);
  fill(c2, 75, -2.0f, 2.0f);
  const auto g = quantize(*gates, c2);
  const auto cq = g.quantize_input(c2);
  const auto gq = g.int8(cq);
  for (std::ptrdiff_t i = 0; i < gq.size(); ++i) CHECK(gq[i] == kq::logistic(cq[i], kq::prepare_logistic(g.input_quantization())));
}

TEST_CASE("quantize: a BatchNormalization does not fold into a layer with Sigmoid, Tanh or Softmax", "[quant]") {
  using Net = Sequential<Input<4>, Dense<3, Sigmoid>, BatchNormalization>;
  STATIC_REQUIRE(!std::is_void_v<Quantized<Net>::diagnosis>);
  using Fine = Sequential<Input<4>, Dense<3>, BatchNormalization, Softmax>;
  STATIC_REQUIRE(std::is_void_v<Quantized<Fine>::diagnosis>);
}

namespace {
using Tiny = Sequential<Input<3>, Dense<4, Tanh>, Dense<3, Softmax>>;
// kernel (3, 4), bias (4), kernel (4, 3), bias (3)
constexpr float tiny_weights[] = {0.5f, -0.25f, 1.0f, 0.75f,  -1.0f, 0.5f, 0.125f, -0.5f, 0.25f, 0.25f, -0.75f, 1.0f,
                                  0.1f, -0.1f,  0.0f, 0.2f,   1.0f,  -1.0f, 0.5f,  0.5f,  0.25f, -2.0f, 1.5f,  0.0f,
                                  -0.5f, 1.0f,  0.5f, 0.1f,   0.0f,  -0.1f, 0.3f};
constexpr Tiny tiny = from_weights<Tiny>(tiny_weights);
constexpr float tiny_data[12] = {1.0f, -2.0f, 0.5f, -0.5f, 1.5f, 2.0f, 0.0f, 0.25f, -1.0f, 2.0f, 2.0f, -1.5f};
constexpr auto tiny_q = quantize(tiny, TensorView<const float, Shape<4, 3>>(tiny_data));

using Gate = Sequential<Input<3>, Dense<2, Sigmoid>>;
constexpr float gate_weights[] = {0.5f, -0.25f, 1.0f, 0.75f, -1.0f, 0.5f, 0.125f, -0.5f};
constexpr Gate gate = from_weights<Gate>(gate_weights);
constexpr auto gate_q = quantize(gate, TensorView<const float, Shape<4, 3>>(tiny_data));
}  // namespace

TEST_CASE("quantize is constexpr with Sigmoid, Tanh and Softmax stages", "[quant]") {
  STATIC_REQUIRE(tiny_q.output_quantization().scale == 1.0f / 256);
  STATIC_REQUIRE(tiny_q.output_quantization().zero_point == -128);
  STATIC_REQUIRE(tiny_q.tensors[1].scale == 1.0f / 128);
  // tanh(0) is 0 and the table is the kernel's.
  STATIC_REQUIRE(std::get<0>(tiny_q.stages).table[128 + std::get<0>(tiny_q.stages).pre.zero_point] == 0);
  STATIC_REQUIRE(std::get<0>(tiny_q.stages).table == kq::tanh_table(kq::prepare_tanh(std::get<0>(tiny_q.stages).pre)));
  STATIC_REQUIRE(std::get<1>(tiny_q.stages).softmax.diff_min < 0);
  // Dense 3 -> 4 (16 x 4 packed, 4 x 4 int32) and its table; Dense 4 -> 3 (16 x 4, 3 x 4 int32) and the
  // Softmax's three int32.
  STATIC_REQUIRE(decltype(tiny_q)::param_bytes == (64 + 64 + 256) + (64 + 48 + 12));
  // sigmoid(0) is 0 in int8 (0.5 * 256 - 128).
  STATIC_REQUIRE(std::get<0>(gate_q.stages).table[128 + std::get<0>(gate_q.stages).pre.zero_point] == 0);
  STATIC_REQUIRE(gate_q.output_quantization().zero_point == -128);

  decltype(tiny_q)::arena<4> arena;
  float y[4][3];
  tiny_q.forward(tiny_data, &y[0][0], arena);
  const auto yt = tiny(TensorView<const float, Shape<4, 3>>(tiny_data));
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 3; ++c) CHECK(std::fabs(y[r][c] - yt(r, c)) <= 0.03f);
  decltype(gate_q)::arena<4> garena;
  float g[4][2];
  gate_q.forward(tiny_data, &g[0][0], garena);
  const auto gt = gate(TensorView<const float, Shape<4, 3>>(tiny_data));
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 2; ++c) CHECK(std::fabs(g[r][c] - gt(r, c)) <= 0.02f);
}
