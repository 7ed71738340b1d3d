// quantize(): the int8 model as a user builds and calls it. Its arithmetic is checked against TFLite's
// formulas in NumPy in kernels/quant_arith_test.cpp; here, that the model runs exactly those integers
// (the same pass rebuilt layer by layer from the plain reference kernel), that its float call is
// quantize -> int8 pass -> dequantize, that it stays close to the float model, and that it is constexpr.
#include <tshape/layers/conv2d.hpp>
#include <tshape/layers/dense.hpp>
#include <tshape/layers/dropout.hpp>
#include <tshape/layers/flatten.hpp>
#include <tshape/layers/rescaling.hpp>
#include <tshape/layers/reshape.hpp>
#include <tshape/model/model_ptr.hpp>
#include <tshape/model/quantize.hpp>
#include <tshape/model/weights.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "../support.hpp"

using namespace tshape;
namespace kq = tshape::kernels::quant;

namespace {
using Mlp = Sequential<Input<13>, Dense<7, ReLU>, Dense<5>>;

template <class T, int B, int N>
Tensor<T, Shape<B, N>> random_batch(std::uint64_t seed, float lo = -1.5f, float hi = 2.0f) {
  Tensor<T, Shape<B, N>> x;
  tshape_test::random_floats rnd(seed);
  for (auto& v : x) v = rnd(lo, hi);
  return x;
}

// One quantized Dense stage recomputed with the plain reference kernel on unpacked weights.
template <int In, int Units, class Stage>
std::vector<std::int8_t> reference_stage(const Stage& st, kq::affine t_in, kq::affine t_out, const std::vector<std::int8_t>& x,
                                         int rows) {
  std::vector<std::int8_t> w(static_cast<std::size_t>(In) * Units), y(static_cast<std::size_t>(rows) * Units);
  for (int c = 0; c < Units; ++c)
    for (int k = 0; k < In; ++k) w[static_cast<std::size_t>(c) * In + k] = st.packed[kq::packed_index(In, c, k)];
  const kq::requantization q{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                             t_in.zero_point, t_out.zero_point, st.min, st.max};
  kq::reference(rows, In, Units, x.data(), w.data(), q, y.data());
  return y;
}
}  // namespace

TEST_CASE("quantize: an MLP's int8 pass is the reference kernel's, layer by layer", "[quant]") {
  auto net = make_model<Mlp>(3);
  const auto calibration = random_batch<float, 40, 13>(1);
  const auto q = quantize(*net, calibration);
  // The input's range is the data's, widened to include 0 (TFLite's nudged zero point).
  float lo = 0, hi = 0;
  for (float v : calibration) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(q.input_quantization().scale == kq::choose_activation(lo, hi).scale);
  CHECK(q.tensors[1].zero_point == -128);  // after a ReLU: [0, max]

  const auto x = random_batch<float, 6, 13>(2);
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(yq)>, Tensor<std::int8_t, Shape<6, 5>>>);
  std::vector<std::int8_t> a(xq.begin(), xq.end());
  a = reference_stage<13, 7>(std::get<0>(q.stages), q.tensors[0], q.tensors[1], a, 6);
  a = reference_stage<7, 5>(std::get<1>(q.stages), q.tensors[1], q.tensors[2], a, 6);
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == a);

  // The float call is quantize -> int8 pass -> dequantize.
  const auto y = q(x);
  const auto expected = q.dequantize_output(yq);
  CHECK(std::vector<float>(y.begin(), y.end()) == std::vector<float>(expected.begin(), expected.end()));

  // Close to the float model: a few output steps (each layer rounds once more).
  const auto yf = (*net)(x);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) CHECK(std::fabs(y[i] - yf[i]) <= 4 * q.output_quantization().scale);
}

TEST_CASE("quantize: calibration data without samples, or with NaN or inf, are refused in words", "[quant]") {
  auto net = make_model<Mlp>(3);
  const Tensor<float, Shape<dyn, 13>> none(0);
  CHECK_THROWS_WITH(quantize(*net, none), Catch::StartsWith(TSHAPE_MSG_INVALID_ARGUMENT) &&
                                                 Catch::EndsWith("quantize(): the calibration data hold no samples"));
  auto calibration = random_batch<float, 40, 13>(1);
  calibration(3, 5) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(quantize(*net, calibration),
                    Catch::EndsWith("the calibration data hold inf at sample 3, element 5: calibrate on finite values"));
  calibration(3, 5) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(quantize(*net, calibration), Catch::Contains("hold NaN at sample 3, element 5"));
  calibration(3, 5) = 0.5f;
  // A NaN in the data of a call is quantized to the zero point (real 0), not undefined behaviour.
  const auto q = quantize(*net, calibration);
  auto x = random_batch<float, 2, 13>(2);
  x(1, 0) = std::numeric_limits<float>::quiet_NaN();
  const auto xq = q.quantize_input(x);
  CHECK(xq(1, 0) == q.input_quantization().zero_point);
  // The model made by make_model quantizes as the model does (make_stream takes either too).
  const auto q2 = quantize(net, calibration);
  const auto y = q(x), y2 = q2(x);
  CHECK(std::vector<float>(y.begin(), y.end()) == std::vector<float>(y2.begin(), y2.end()));
}

TEST_CASE("quantize: Flatten, Reshape, Dropout, a ReLU layer and a last Softmax, on dyn batches", "[quant]") {
  using Net = Sequential<Input<4, 3>, Flatten, Dense<16>, ReLU, Dropout<Rate<1, 2>>, Reshape<4, 4>, Dense<6, ReLU>,
                         Flatten, Dense<3, Softmax>>;
  auto net = make_model<Net>(5);
  Tensor<float, Shape<dyn, 4, 3>> calibration(64), x(9);
  tshape_test::random_floats rnd(7);
  for (auto& v : calibration) v = rnd(-1.0f, 1.0f);
  for (auto& v : x) v = rnd(-1.0f, 1.0f);
  const auto q = quantize(*net, calibration);
  CHECK(q.tensors[2].zero_point == q.tensors[3].zero_point);  // the ReLU layer keeps its input's quantization
  const auto y = q(x);
  const auto yf = (*net)(x);
  REQUIRE(y.extent(0) == 9);
  int agree = 0;
  for (int r = 0; r < 9; ++r) {
    float sum = 0;
    int best = 0, best_f = 0;
    for (int c = 0; c < 3; ++c) {
      sum += y(r, c);
      CHECK(std::fabs(y(r, c) - yf(r, c)) < 0.05f);
      if (y(r, c) > y(r, best)) best = c;
      if (yf(r, c) > yf(r, best_f)) best_f = c;
    }
    CHECK(std::fabs(sum - 1.0f) <= 3.0f / 256);  // the int8 Softmax, dequantized: steps of 1/256
    agree += best == best_f;
  }
  CHECK(agree >= 8);
  // The int8 call gives the int8 Softmax, with TFLite's fixed output quantization.
  const auto yq = q.int8(q.quantize_input(x));
  CHECK(yq.extent(0) == 9);
  CHECK(q.output_quantization().scale == 1.0f / 256);
  CHECK(q.output_quantization().zero_point == -128);
}

namespace {
using Tiny = Sequential<Input<3>, Dense<2, ReLU>>;
constexpr float tiny_weights[] = {0.5f, -0.25f, 1.0f, 0.75f, -1.0f, 0.5f, 0.125f, -0.5f};  // kernel (3, 2), bias (2)
constexpr Tiny tiny = from_weights<Tiny>(tiny_weights);
// Flat: a constant expression may not walk from one row of a 2-D array into the next.
constexpr float tiny_data[6] = {1.0f, -2.0f, 0.5f, -0.5f, 1.5f, 2.0f};
constexpr auto tiny_q = quantize(tiny, TensorView<const float, Shape<2, 3>>(tiny_data));
// The same with a Rescaling first, whose table the compiler computes too.
using TinyRescaled = Sequential<Input<3>, Rescaling<1, 2, Offset<1>>, Dense<2, ReLU>>;
constexpr TinyRescaled tiny_rescaled = from_weights<TinyRescaled>(tiny_weights);
constexpr auto tiny_rescaled_q = quantize(tiny_rescaled, TensorView<const float, Shape<2, 3>>(tiny_data));
// [-2, 2] halved and shifted by 1 is [0, 2]: scale 2/255, zero point -128; input -2 (step -128 - 0.5
// -> -129, saturated) is 0, step -128.
static_assert(tiny_rescaled_q.tensors[1].zero_point == -128);
static_assert(std::get<0>(tiny_rescaled_q.stages).table[0] == -128);
static_assert(std::get<0>(tiny_rescaled_q.stages).table[255] == 127);
}  // namespace

TEST_CASE("quantize is constexpr: the quantized model and its memory are known to the compiler", "[quant]") {
  // The input range [-2, 2]: scale 4/255, zero point -0.5 -> rounded away from zero.
  STATIC_REQUIRE(tiny_q.input_quantization().scale == static_cast<float>(4.0 / 255.0));
  STATIC_REQUIRE(tiny_q.input_quantization().zero_point == -1);
  // Channel 0's weights (0.5, 1.0, -1.0): scale 1/127, so 1.0 -> 127 and 0.5 -> 63.5 -> 64.
  STATIC_REQUIRE(std::get<0>(tiny_q.stages).packed[kq::packed_index(3, 0, 1)] == 127);
  STATIC_REQUIRE(std::get<0>(tiny_q.stages).packed[kq::packed_index(3, 0, 0)] == 64);
  STATIC_REQUIRE(std::get<0>(tiny_q.stages).min == -128);
  // 16 padded units x 4 deep of int8, and 2 channels x 4 int32.
  STATIC_REQUIRE(decltype(tiny_q)::param_bytes == 16 * 4 + 2 * 16);
  STATIC_REQUIRE(decltype(tiny_q)::arena_bytes(1) == 128);
  decltype(tiny_q)::arena<2> arena;
  float y[2][2];
  tiny_q.forward(tiny_data, &y[0][0], arena);
  const auto yt = tiny(TensorView<const float, Shape<2, 3>>(tiny_data));
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) CHECK(std::fabs(y[r][c] - yt(r, c)) <= 2 * tiny_q.output_quantization().scale);
}

TEST_CASE("quantize: Conv2D ('same' and strided) then Dense runs the reference kernels' integers", "[quant]") {
  using Net = Sequential<Input<7, 6, 3>, Conv2D<5, Kernel<3, 3>, Padding::same, ReLU>, Conv2D<6, Kernel<3, 2>, Strides<2>>,
                         Flatten, Dense<4>>;
  auto net = make_model<Net>(11);
  Tensor<float, Shape<dyn, 7, 6, 3>> calibration(32), x(3);
  tshape_test::random_floats rnd(12);
  for (auto& v : calibration) v = rnd(-1.0f, 1.0f);
  for (auto& v : x) v = rnd(-1.0f, 1.0f);
  const auto q = quantize(*net, calibration);
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);

  // Layer by layer with the direct reference convolution and the plain Dense.
  auto unpack = [](const auto& st, int in, int units) {
    std::vector<std::int8_t> w(static_cast<std::size_t>(in) * units);
    for (int c = 0; c < units; ++c)
      for (int k = 0; k < in; ++k) w[static_cast<std::size_t>(c) * in + k] = st.packed[kq::packed_index(in, c, k)];
    return w;
  };
  auto requant = [&](const auto& st, int i) {
    return kq::requantization{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                              q.tensors[i].zero_point, q.tensors[i + 1].zero_point, st.min, st.max};
  };
  const kq::conv_geometry g0{7, 6, 3, 3, 3, 5, 1, 1, 1, 1, 7, 6};
  const kq::conv_geometry g1{7, 6, 5, 3, 2, 6, 2, 2, 0, 0, 3, 3};
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(3 * 7 * 6 * 5), c(3 * 3 * 3 * 6), d(3 * 4);
  kq::conv2d_reference(g0, 3, a.data(), unpack(std::get<0>(q.stages), 27, 5).data(), requant(std::get<0>(q.stages), 0), b.data());
  kq::conv2d_reference(g1, 3, b.data(), unpack(std::get<1>(q.stages), 30, 6).data(), requant(std::get<1>(q.stages), 1), c.data());
  kq::reference(3, 54, 4, c.data(), unpack(std::get<3>(q.stages), 54, 4).data(), requant(std::get<3>(q.stages), 3), d.data());
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == d);

  const auto y = q(x);
  const auto yf = (*net)(x);
  for (std::ptrdiff_t i = 0; i < yf.size(); ++i) CHECK(std::fabs(y[i] - yf[i]) <= 6 * q.output_quantization().scale);
  // Two activation buffers (the largest activation, 7 * 6 * 5 bytes, rounded up to 64) and one image's
  // patches (7 * 6 pixels x 27 bytes).
  STATIC_REQUIRE(std::remove_cvref_t<decltype(q)>::arena_bytes(1) == 2 * 256 + 7 * 6 * 27);
}

TEST_CASE("quantize: a 1x1 Conv2D with stride 2 (window rows of whole 4-byte groups) runs the reference's integers", "[quant]") {
  // Where the fastest path reads a padded copy of the image, which outgrows the patches when the
  // strides pass the window: the arena makes room for it.
  using Net = Sequential<Input<7, 6, 4>, Conv2D<20, Kernel<1, 1>, Strides<2>, ReLU6>, Conv2D<3, Kernel<3, 3>, Padding::same>>;
  auto net = make_model<Net>(21);
  Tensor<float, Shape<dyn, 7, 6, 4>> calibration(32), x(2);
  tshape_test::random_floats rnd(22);
  for (auto& v : calibration) v = rnd(-1.0f, 1.0f);
  for (auto& v : x) v = rnd(-1.0f, 1.0f);
  const auto q = quantize(*net, calibration);
  const auto xq = q.quantize_input(x);
  const auto yq = q.int8(xq);

  auto unpack = [](const auto& st, int in, int units) {
    std::vector<std::int8_t> w(static_cast<std::size_t>(in) * units);
    for (int c = 0; c < units; ++c)
      for (int k = 0; k < in; ++k) w[static_cast<std::size_t>(c) * in + k] = st.packed[kq::packed_index(in, c, k)];
    return w;
  };
  auto requant = [&](const auto& st, int i) {
    return kq::requantization{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                              q.tensors[i].zero_point, q.tensors[i + 1].zero_point, st.min, st.max};
  };
  constexpr kq::conv_geometry g0{7, 6, 4, 1, 1, 20, 2, 2, 0, 0, 4, 3};
  constexpr kq::conv_geometry g1{4, 3, 20, 3, 3, 3, 1, 1, 1, 1, 4, 3};
  std::vector<std::int8_t> a(xq.begin(), xq.end()), b(2 * 4 * 3 * 20), c(2 * 4 * 3 * 3);
  kq::conv2d_reference(g0, 2, a.data(), unpack(std::get<0>(q.stages), 4, 20).data(), requant(std::get<0>(q.stages), 0), b.data());
  kq::conv2d_reference(g1, 2, b.data(), unpack(std::get<1>(q.stages), 180, 3).data(), requant(std::get<1>(q.stages), 1), c.data());
  CHECK(std::vector<std::int8_t>(yq.begin(), yq.end()) == c);
  // Two activation buffers (the largest activation, 4 * 3 * 20 bytes, rounded up to 64), then the
  // larger scratch: the second layer's patches (12 pixels x 180 bytes), above the first's padded
  // copy (7 x 5 pixels x 4 bytes, itself above its 12 x 4 bytes of patches; with AMX, and the bytes its
  // last tile reads past the copy).
  static_assert(g0.padded_bytes() == 140 && g0.patch_bytes() == 48 && g0.scratch_bytes() == 140 + g0.amx_slack_bytes());
  STATIC_REQUIRE(std::remove_cvref_t<decltype(q)>::arena_bytes(1) == 2 * 256 + 12 * 180);
}

TEST_CASE("quantize: Rescaling is a table from its input's quantization to its own", "[quant]") {
  // Keras' image pipeline: pixels 0..255, Rescaling(1./127.5, offset=-1), then the network.
  using Net = Sequential<Input<6, 6, 3>, Rescaling<2, 255, Offset<-1>>, Conv2D<4, Kernel<3>, Padding::same, ReLU>,
                         GlobalAveragePooling2D, Dense<3>>;
  auto net = make_model<Net>(3);
  Tensor<float, Shape<dyn, 6, 6, 3>> calibration(32), x(5);
  tshape_test::random_floats rnd(4);
  for (auto& v : calibration) v = static_cast<float>(static_cast<int>(rnd(0.0f, 256.0f)));
  calibration.data()[0] = 0.0f;  // the whole pixel range
  calibration.data()[1] = 255.0f;
  for (auto& v : x) v = static_cast<float>(static_cast<int>(rnd(0.0f, 256.0f)));
  const auto q = quantize(*net, calibration);
  // Pixels 0..255 quantize as scale 1, zero point -128, and -1..1 as 2/255 and -1 (TFLite's choice:
  // the zero point -0.5, rounded away from zero).
  CHECK(q.tensors[0].scale == 1.0f);
  CHECK(q.tensors[0].zero_point == -128);
  CHECK(std::fabs(q.tensors[1].scale - 2.0f / 255) < 1e-6f);
  CHECK(q.tensors[1].zero_point == -1);
  // Each int8 pixel maps to the step nearest its rescaled value: pixel p is step p - 127.5, a tie,
  // which the float math (fused into a multiply-add or not) breaks either way.
  const auto& table = std::get<0>(q.stages).table;
  for (int v = -128; v <= 127; ++v) {
    const double rescaled = (v + 128) * (2.0 / 255) - 1.0;
    const double step = std::clamp(rescaled / q.tensors[1].scale + q.tensors[1].zero_point, -128.0, 127.0);
    INFO("pixel " << v + 128);
    CHECK(std::fabs(table[static_cast<std::size_t>(v + 128)] - step) <= 0.5 + 1e-4);
  }
  static_assert(decltype(q)::param_bytes > 256);  // the table is part of the parameters
  // The int8 model follows the float one.
  const auto y = q(x);
  const auto yf = (*net)(x);
  float most = 0;
  for (int i = 0; i < yf.size(); ++i) most = std::max(most, std::fabs(yf.data()[i]));
  for (int i = 0; i < yf.size(); ++i) CHECK(std::fabs(y.data()[i] - yf.data()[i]) <= 0.05f * most + 1e-3f);
}
