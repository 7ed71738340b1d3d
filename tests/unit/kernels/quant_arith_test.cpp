// The int8 arithmetic against hand-checked cases and against TFLite's formulas written out in NumPy
// (tests/reference/make_quant.py -> quant.txt), independently of this C++.
#include <tshape/kernels/quant/convert.hpp>
#include <tshape/kernels/quant/fixed_point.hpp>
#include <tshape/kernels/quant/params.hpp>

#include <cstdint>
#include <limits>
#include <vector>

#include "../support.hpp"

using namespace tshape::kernels::quant;

namespace {
constexpr std::int32_t int_min = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t int_max = std::numeric_limits<std::int32_t>::max();
}  // namespace

TEST_CASE("quantize_multiplier: powers of two, rounding up to 1.0, tiny multipliers", "[quant]") {
  STATIC_REQUIRE(quantize_multiplier(1.0).value == (1 << 30));
  STATIC_REQUIRE(quantize_multiplier(1.0).shift == 1);
  STATIC_REQUIRE(quantize_multiplier(0.5).value == (1 << 30));
  STATIC_REQUIRE(quantize_multiplier(0.5).shift == 0);
  STATIC_REQUIRE(quantize_multiplier(0.25).shift == -1);
  STATIC_REQUIRE(quantize_multiplier(0.75).value == 1610612736);  // 0.75 * 2^31
  STATIC_REQUIRE(quantize_multiplier(3.0).shift == 2);
  // 1 - 2^-33 has mantissa 2^31 - 1/4 before rounding: it rounds to 2^31, which is halved.
  STATIC_REQUIRE(quantize_multiplier(1.0 - 0x1.0p-33).value == (1 << 30));
  STATIC_REQUIRE(quantize_multiplier(1.0 - 0x1.0p-33).shift == 1);
  STATIC_REQUIRE(quantize_multiplier(0.0).value == 0);
  // Below 2^-32 every bit would be shifted out: multiplier and shift 0.
  STATIC_REQUIRE(quantize_multiplier(1e-12).value == 0);
  STATIC_REQUIRE(quantize_multiplier(1e-12).shift == 0);
  // Weights that are not finite give a multiplier that is not finite: it saturates (NaN: 0) and ends,
  // where the exponent's search ran forever on an infinity.
  constexpr double inf = std::numeric_limits<double>::infinity();
  STATIC_REQUIRE(quantize_multiplier(inf).value == std::numeric_limits<std::int32_t>::max());
  STATIC_REQUIRE(quantize_multiplier(std::numeric_limits<double>::quiet_NaN()).value == 0);
  int e = 7;
  CHECK(frexp(-inf, e) == -inf);
  CHECK(e == 0);
}

TEST_CASE("quantize_value: NaN is the zero point (real 0), as the clamp would not catch it", "[quant]") {
  const affine p{0.05f, -3};
  CHECK(quantize_value(std::numeric_limits<float>::quiet_NaN(), p) == -3);
  CHECK(quantize_value(std::numeric_limits<float>::infinity(), p) == 127);
  CHECK(quantize_value(-std::numeric_limits<float>::infinity(), p) == -128);
}

TEST_CASE("saturating_rounding_doubling_high_mul: rounding and the one saturating case", "[quant]") {
  STATIC_REQUIRE(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30) == (1 << 29));
  STATIC_REQUIRE(saturating_rounding_doubling_high_mul(int_min, int_min) == int_max);
  STATIC_REQUIRE(saturating_rounding_doubling_high_mul(int_min, int_max) == -int_max);
  // 5 * 2^30 * 2 / 2^32 = 2.5: a positive tie goes up; a negative one goes toward zero, since the nudge
  // is 1 - 2^30 and the division truncates (gemmlowp's definition, not a symmetric rounding).
  STATIC_REQUIRE(saturating_rounding_doubling_high_mul(5, 1 << 30) == 3);
  STATIC_REQUIRE(saturating_rounding_doubling_high_mul(-5, 1 << 30) == -2);
  STATIC_REQUIRE(saturating_rounding_doubling_high_mul(3, 1 << 29) == 1);  // 0.75
  STATIC_REQUIRE(saturating_rounding_doubling_high_mul(-3, 1 << 29) == -1);
}

TEST_CASE("rounding_divide_by_pot: ties away from zero, negatives included", "[quant]") {
  STATIC_REQUIRE(rounding_divide_by_pot(5, 1) == 3);
  STATIC_REQUIRE(rounding_divide_by_pot(-5, 1) == -3);
  STATIC_REQUIRE(rounding_divide_by_pot(3, 1) == 2);
  STATIC_REQUIRE(rounding_divide_by_pot(-3, 1) == -2);
  STATIC_REQUIRE(rounding_divide_by_pot(-6, 2) == -2);  // -1.5
  STATIC_REQUIRE(rounding_divide_by_pot(-5, 2) == -1);  // -1.25
  STATIC_REQUIRE(rounding_divide_by_pot(-7, 2) == -2);  // -1.75
  STATIC_REQUIRE(rounding_divide_by_pot(7, 0) == 7);
  STATIC_REQUIRE(rounding_divide_by_pot(int_min, 31) == -1);
  STATIC_REQUIRE(rounding_divide_by_pot(int_max, 31) == 1);
}

TEST_CASE("multiply_by_quantized_multiplier: shifts either way, and TFLite's double rounding", "[quant]") {
  // 1.0 is 2^30 with shift 1: the identity.
  STATIC_REQUIRE(multiply_by_quantized_multiplier(12345, 1 << 30, 1) == 12345);
  STATIC_REQUIRE(multiply_by_quantized_multiplier(-12345, 1 << 30, 1) == -12345);
  // x 4 (shift 3): the left shift comes first.
  STATIC_REQUIRE(multiply_by_quantized_multiplier(-7, 1 << 30, 3) == -28);
  // x 0.25 (shift -1): 5 -> 2.5 -> 3 then 3 / 2 -> 2: the two roundings of the default path give 2 where
  // 1.25 would round to 1. TFLite's reference does the same.
  STATIC_REQUIRE(multiply_by_quantized_multiplier(5, 1 << 30, -1) == 2);
  STATIC_REQUIRE(multiply_by_quantized_multiplier(-5, 1 << 30, -1) == -1);  // -2.5 -> -2, then -1 -> -1
  STATIC_REQUIRE(multiply_by_quantized_multiplier(6, 1 << 30, -1) == 2);  // 1.5 -> 2
  STATIC_REQUIRE(multiply_by_quantized_multiplier(-6, 1 << 30, -1) == -2);
  // The largest accumulators through x 0.5 (shift 0): no overflow.
  STATIC_REQUIRE(multiply_by_quantized_multiplier(int_max, 1 << 30, 0) == (1 << 30));
  STATIC_REQUIRE(multiply_by_quantized_multiplier(int_min, 1 << 30, 0) == -(1 << 30));
  STATIC_REQUIRE(multiply_by_quantized_multiplier(int_min, int_max, 0) == int_min + 1);
}

TEST_CASE("activation parameters: 0 exact, nudged zero point, ReLU/ReLU6 clamps", "[quant]") {
  constexpr affine sym = choose_activation(-1.0, 1.0);
  STATIC_REQUIRE(sym.scale == static_cast<float>(2.0 / 255.0));
  STATIC_REQUIRE(sym.zero_point == -1);  // -0.5 from either end, rounded away from zero
  constexpr affine relu = choose_activation(0.0, 6.0);
  STATIC_REQUIRE(relu.zero_point == -128);
  STATIC_REQUIRE(relu.scale == static_cast<float>(6.0 / 255.0));
  constexpr affine neg = choose_activation(-3.0, -1.0);  // widened to [-3, 0]
  STATIC_REQUIRE(neg.zero_point == 127);
  constexpr affine pos = choose_activation(0.5, 2.0);  // widened to [0, 2]
  STATIC_REQUIRE(pos.zero_point == -128);
  STATIC_REQUIRE(choose_activation(0.0, 0.0).scale == 1.0f);
  STATIC_REQUIRE(activation_range(fused::relu, relu).min == -128);
  STATIC_REQUIRE(activation_range(fused::relu, sym).min == -1);
  STATIC_REQUIRE(activation_range(fused::relu6, choose_activation(0.0, 8.0)).max == -128 + 191);  // 6 / (8/255) = 191.25
  STATIC_REQUIRE(activation_range(fused::linear, sym).min == -128);
  STATIC_REQUIRE(quantize_value(0.0f, relu) == -128);
  STATIC_REQUIRE(quantize_value(100.0f, relu) == 127);
  STATIC_REQUIRE(dequantize_value(-128, relu) == 0.0f);
  STATIC_REQUIRE(quantize_weight(0.5f, 0.5f) == 127);
  STATIC_REQUIRE(quantize_weight(-0.5f, 0.5f) == -127);
  STATIC_REQUIRE(quantize_weight(0.25f, 0.5f) == 64);  // 63.5 away from zero
  STATIC_REQUIRE(quantize_weight(-0.25f, 0.5f) == -64);
}

TEST_CASE("the arithmetic matches TFLite's formulas computed in NumPy", "[quant]") {
  const tshape_test::reference ref("quant.txt");
  const auto& m = ref["mult_in"].values;
  for (std::size_t i = 0; i < m.size(); ++i) {
    INFO("multiplier " << m[i]);
    const auto q = quantize_multiplier(m[i]);
    CHECK(q.value == static_cast<std::int32_t>(ref["mult_q"].values[i]));
    CHECK(q.shift == static_cast<int>(ref["mult_shift"].values[i]));
  }
  const auto& x = ref["mbqm_x"].values;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto xi = static_cast<std::int32_t>(x[i]);
    const auto qi = static_cast<std::int32_t>(ref["mbqm_q"].values[i]);
    const auto si = static_cast<int>(ref["mbqm_shift"].values[i]);
    INFO("x " << xi << " q " << qi << " shift " << si);
    CHECK(multiply_by_quantized_multiplier(xi, qi, si) == static_cast<std::int32_t>(ref["mbqm_out"].values[i]));
  }
  const auto& r = ref["act_range"].values;
  for (std::size_t i = 0; i < r.size() / 2; ++i) {
    INFO("range " << r[2 * i] << " " << r[2 * i + 1]);
    const auto p = choose_activation(r[2 * i], r[2 * i + 1]);
    CHECK(p.scale == static_cast<float>(ref["act_scale"].values[i]));
    CHECK(p.zero_point == static_cast<std::int32_t>(ref["act_zp"].values[i]));
  }
}

TEST_CASE("a Dense layer's int8 parameters and outputs match TFLite's formulas in NumPy", "[quant]") {
  const tshape_test::reference ref("quant.txt");
  const auto& k = ref["dense_kernel"];
  const int in = k.dims[0], units = k.dims[1];
  const auto& xs = ref["dense_x"];
  const int batch = xs.dims[0];
  double lo = 0, hi = 0;
  for (double v : xs.values) lo = std::min(lo, v), hi = std::max(hi, v);
  const affine ip = choose_activation(static_cast<float>(lo), static_cast<float>(hi));
  CHECK(ip.scale == static_cast<float>(ref["dense_in_params"].values[0]));
  CHECK(ip.zero_point == static_cast<std::int32_t>(ref["dense_in_params"].values[1]));
  const affine op = choose_activation(ref["dense_out_range"].values[0], ref["dense_out_range"].values[1]);
  CHECK(op.scale == static_cast<float>(ref["dense_out_params"].values[0]));
  CHECK(op.zero_point == static_cast<std::int32_t>(ref["dense_out_params"].values[1]));
  const auto relu = activation_range(fused::relu, op);
  for (int c = 0; c < units; ++c) {
    float max_abs = 0;
    for (int i = 0; i < in; ++i) max_abs = std::max(max_abs, std::fabs(static_cast<float>(k.values[i * units + c])));
    const float ws = weight_scale(max_abs);
    CHECK(ws == static_cast<float>(ref["dense_w_scale"].values[c]));
    const std::int32_t bq = quantize_bias(static_cast<float>(ref["dense_bias"].values[c]), ip.scale, ws);
    CHECK(bq == static_cast<std::int32_t>(ref["dense_bq"].values[c]));
    const auto mq = output_multiplier(ip.scale, ws, op.scale);
    for (int b = 0; b < batch; ++b) {
      std::int32_t acc = bq;
      for (int i = 0; i < in; ++i) {
        const std::int8_t xq = quantize_value(static_cast<float>(xs.values[b * in + i]), ip);
        CHECK(xq == static_cast<std::int8_t>(ref["dense_xq"].values[b * in + i]));
        const std::int8_t wq = quantize_weight(static_cast<float>(k.values[i * units + c]), max_abs);
        CHECK(wq == static_cast<std::int8_t>(ref["dense_wq"].values[i * units + c]));
        acc += (xq - ip.zero_point) * wq;
      }
      acc = multiply_by_quantized_multiplier(acc, mq.value, mq.shift) + op.zero_point;
      acc = std::clamp(acc, relu.min, relu.max);
      CHECK(acc == static_cast<std::int32_t>(ref["dense_yq"].values[b * units + c]));
    }
  }
}

TEST_CASE("quantize_values and dequantize_values give quantize_value's and dequantize_value's bits", "[quant]") {
  tshape_test::random_floats rnd(9);
  for (const affine p : {choose_activation(-1.0, 1.0), choose_activation(0.0, 6.0), choose_activation(-7.3, 0.01),
                         affine{0.1f, 3}, affine{1.0f, 0}}) {
    // NaN and infinities first and last, so that every length and start meets them on each path.
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    std::vector<float> v{nan, 1.0f, -inf, nan, inf};
    for (int k = -300; k <= 300; ++k) {
      v.push_back((static_cast<float>(k) + 0.5f) * p.scale);  // ties (as near as float gets)
      v.push_back(static_cast<float>(k) * p.scale);
      v.push_back(std::nextafter((static_cast<float>(k) + 0.5f) * p.scale, 0.0f));
    }
    for (int k = 0; k < 2000; ++k) v.push_back(rnd(-400.0f * p.scale, 400.0f * p.scale));
    for (float big : {1e9f, -1e9f, 3e38f, -3e38f, 0.0f, -0.0f, nan, inf, -inf}) v.push_back(big);
    // Every length the vector paths split differently (blocks of 32, then 8, then single values), from
    // two starts, and a guard byte after the last value that must stay as it was.
    for (const std::size_t length : {v.size(), v.size() - 13, std::size_t{45}, std::size_t{33}, std::size_t{32},
                                     std::size_t{9}, std::size_t{8}, std::size_t{7}, std::size_t{1}}) {
      for (const std::size_t start : {std::size_t{0}, std::size_t{3}}) {
        std::vector<std::int8_t> q(length + 1, std::int8_t{77});
        quantize_values(v.data() + start, q.data(), static_cast<std::ptrdiff_t>(length), p);
        for (std::size_t i = 0; i < length; ++i) {
          INFO("value " << v[start + i] << " scale " << p.scale << " zero point " << p.zero_point << ", " << i
                        << " of " << length);
          REQUIRE(q[i] == quantize_value(v[start + i], p));
        }
        REQUIRE(q[length] == 77);
      }
    }
    std::vector<std::int8_t> all(256);
    for (int k = 0; k < 256; ++k) all[static_cast<std::size_t>(k)] = static_cast<std::int8_t>(k - 128);
    std::vector<float> back(256);
    dequantize_values(all.data(), back.data(), 256, p);
    for (int k = 0; k < 256; ++k) REQUIRE(back[static_cast<std::size_t>(k)] == dequantize_value(all[static_cast<std::size_t>(k)], p));
  }
}
