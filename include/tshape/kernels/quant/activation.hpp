// Int8 Softmax, Logistic (Keras' sigmoid) and Tanh, bit-exact with TensorFlow Lite's reference integer
// kernels (reference_ops::Softmax for int8, reference_integer_ops::Logistic and Tanh).
//
// Their outputs have the quantization TFLite fixes: Softmax and Logistic scale 1/256, zero point -128
// (so [0, 1) spans int8); Tanh scale 1/128, zero point 0 ([-1, 1)). The math is gemmlowp's fixed point:
// an int32 "Qm.n" value has m integer bits and n = 31 - m fractional ones, products keep the rounded
// high half of the doubled product (saturating_rounding_doubling_high_mul), exp of a negative value is
// a Taylor polynomial on [-1/4, 0) times exp(-2^k) for each bit k of the rest, and 1 / (1 + x) is
// three Newton-Raphson steps from 48/17 - 32/17 x.
//
//   Logistic, Tanh: x - zp_in is scaled into Q4.27 by input_scale * 2^27 (a multiplier and a shift);
//                   inputs past the radius where that would overflow give -128 / 127 directly.
//   Softmax:        per row, x - max(row) is scaled into Q5.26 by beta * input_scale * 2^26; differences
//                   below diff_min are taken as exp = 0; the exps are summed in Q12.19, the sum's
//                   reciprocal is 1 / (1 + x) after normalising the sum to [1, 2), and each exp times
//                   it is shifted down to 8 bits, offset by -128 and saturated.
//
// Everything is constexpr: a model's Logistic and Tanh are 256-entry tables built when it is quantized.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "fixed_point.hpp"
#include "params.hpp"

namespace tshape::kernels::quant {

/// The output quantizations TFLite requires of its int8 Softmax, Logistic and Tanh.
inline constexpr affine softmax_output{1.0f / 256.0f, -128};
inline constexpr affine logistic_output{1.0f / 256.0f, -128};
inline constexpr affine tanh_output{1.0f / 128.0f, 0};

namespace detail {
inline constexpr std::int32_t raw_max = std::numeric_limits<std::int32_t>::max();
inline constexpr std::int32_t raw_min = std::numeric_limits<std::int32_t>::min();

// Raw sums and differences of fixed-point values wrap as the hardware's int32 does (gemmlowp adds plain
// int32s; the algorithm keeps them in range, and wrapping keeps any stray case defined).
constexpr std::int32_t add(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
}
constexpr std::int32_t sub(std::int32_t a, std::int32_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) - static_cast<std::uint32_t>(b));
}
constexpr std::int32_t mul(std::int32_t a, std::int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }

/// x * 2^exponent in the same format: a saturating left shift, or a rounding right shift.
constexpr std::int32_t scale_by_pot(std::int32_t x, int exponent) {
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  if (exponent == 0) return x;
  const std::int32_t limit = static_cast<std::int32_t>((1LL << (31 - exponent)) - 1);
  if (x > limit) return raw_max;
  if (x < -limit) return raw_min;
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << exponent);
}

/// (a + b) / 2 rounded half away from zero.
constexpr std::int32_t rounding_half_sum(std::int32_t a, std::int32_t b) {
  const std::int64_t sum = static_cast<std::int64_t>(a) + b;
  return static_cast<std::int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/// exp(a) for a in [-1/4, 0), Q0.31 in and out: the Taylor polynomial of degree 4 around -1/8.
constexpr std::int32_t exp_on_last_quarter(std::int32_t a) {
  constexpr std::int32_t exp_minus_one_eighth = 1895147668;  // exp(-1/8) in Q0.31
  constexpr std::int32_t one_third = 715827883;
  const std::int32_t x = add(a, 1 << 28);  // a + 1/8
  const std::int32_t x2 = mul(x, x);
  const std::int32_t x3 = mul(x2, x);
  const std::int32_t x4 = mul(x2, x2);
  const std::int32_t x4_over_4 = scale_by_pot(x4, -2);
  // x^4 / 24 + x^3 / 6 + x^2 / 2 = ((x^4 / 4 + x^3) / 3 + x^2) / 2
  const std::int32_t tail = scale_by_pot(add(mul(add(x4_over_4, x3), one_third), x2), -1);
  return add(exp_minus_one_eighth, mul(exp_minus_one_eighth, add(x, tail)));
}

/// exp(a) for a <= 0 held in Q(IntegerBits).(31 - IntegerBits); the result in Q0.31 (exp(0) is the
/// largest raw value).
template <int IntegerBits>
constexpr std::int32_t exp_on_negative_values(std::int32_t a) {
  constexpr int fractional = 31 - IntegerBits;
  constexpr std::int32_t quarter = 1 << (fractional - 2);
  // a = (a mod 1/4) - 1/4 - rest, with the rest a non-negative multiple of 1/4.
  const std::int32_t in_last_quarter = sub(a & (quarter - 1), quarter);
  std::int32_t result = exp_on_last_quarter(scale_by_pot(in_last_quarter, IntegerBits));
  const std::int32_t rest = sub(in_last_quarter, a);
  // exp(-2^k) in Q0.31 for k = -2 .. 4: each set bit of the rest multiplies the result by one.
  constexpr std::int32_t factors[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int k = -2; k <= 4; ++k)
    if (IntegerBits > k && (rest & (std::int32_t{1} << (fractional + k))) != 0) result = mul(result, factors[k + 2]);
  if constexpr (IntegerBits > 5) {
    // Below -32 the rest has bits the factors do not cover: exp is 0 there.
    if (a < -(std::int32_t{1} << (36 - IntegerBits))) result = 0;
  }
  return a == 0 ? raw_max : result;
}

/// 2 / (1 + x) for x in [0, 1) (Q0.31 in, Q2.29 out): Newton-Raphson on the half denominator d = (1 + x) / 2.
constexpr std::int32_t two_over_one_plus_x(std::int32_t a) {
  const std::int32_t d = rounding_half_sum(a, raw_max);
  constexpr std::int32_t c48_17 = 1515870810, c_neg32_17 = -1010580540;  // 48/17 and -32/17 in Q2.29
  constexpr std::int32_t one_q2 = 1 << 29;
  std::int32_t x = add(c48_17, mul(d, c_neg32_17));
  for (int i = 0; i < 3; ++i) {
    const std::int32_t error = sub(one_q2, mul(d, x));  // 1 - d x, Q2.29
    x = add(x, scale_by_pot(mul(x, error), 2));         // the Q4.27 product back to Q2.29
  }
  return x;
}
/// 1 / (1 + x) for x in [0, 1), Q0.31 in and out.
constexpr std::int32_t one_over_one_plus_x(std::int32_t a) { return scale_by_pot(two_over_one_plus_x(a), 1); }
/// (1 - x) / (1 + x) for x in [0, 1), Q0.31 in and out.
constexpr std::int32_t one_minus_x_over_one_plus_x(std::int32_t a) { return scale_by_pot(sub(two_over_one_plus_x(a), 1 << 29), 2); }

/// logistic(a) = 1 / (1 + exp(-a)), a in Q(IntegerBits), the result in Q0.31.
template <int IntegerBits>
constexpr std::int32_t logistic(std::int32_t a) {
  if (a == 0) return 1 << 30;
  const std::int32_t of_magnitude = one_over_one_plus_x(exp_on_negative_values<IntegerBits>(a > 0 ? -a : a));
  return a > 0 ? of_magnitude : sub(raw_max, of_magnitude);
}

/// tanh(a) = (1 - exp(-2|a|)) / (1 + exp(-2|a|)) with a's sign, a in Q(IntegerBits), the result in Q0.31.
template <int IntegerBits>
constexpr std::int32_t tanh(std::int32_t a) {
  if (a == 0) return 0;
  const std::int32_t negative = a < 0 ? a : -a;
  // -2|a| is the same raw value read with one integer bit more.
  const std::int32_t of_magnitude = one_minus_x_over_one_plus_x(exp_on_negative_values<IntegerBits + 1>(negative));
  return a < 0 ? -of_magnitude : of_magnitude;
}

/// 2^e as a double, for e of either sign (exact).
constexpr double pow2(int e) {
  double v = 1.0;
  for (; e > 0; --e) v *= 2.0;
  for (; e < 0; ++e) v *= 0.5;
  return v;
}
/// TFLite's CalculateInputRadius: the largest input difference whose scaled value still fits
/// Q(integer_bits), floor((2^integer_bits - 1) * 2^(total_bits - integer_bits) / 2^left_shift).
constexpr std::int32_t input_radius(int integer_bits, int left_shift, int total_bits = 31) {
  const double v = static_cast<double>((1 << integer_bits) - 1) * pow2(total_bits - integer_bits) / pow2(left_shift);
  const auto t = static_cast<std::int64_t>(v);  // v >= 0: truncation is floor
  return static_cast<std::int32_t>(t > std::numeric_limits<std::int32_t>::max() ? std::numeric_limits<std::int32_t>::max() : t);
}

constexpr int count_leading_zeros(std::uint32_t x) {
  int n = 0;
  for (std::uint32_t bit = 0x80000000u; bit != 0 && (x & bit) == 0; bit >>= 1) ++n;
  return n;
}

/// The reciprocal of a positive sum in Q(integer_bits): 1 / (1 + f) in Q0.31 where sum = (1 + f) * 2^bits_over_unit,
/// f in [0, 1) (TFLite's GetReciprocal).
constexpr std::int32_t reciprocal(std::int32_t sum, int integer_bits, int& bits_over_unit) {
  const int headroom_plus_one = count_leading_zeros(static_cast<std::uint32_t>(sum));
  bits_over_unit = integer_bits - headroom_plus_one;
  const auto f = static_cast<std::int32_t>((static_cast<std::uint32_t>(sum) << headroom_plus_one) - 0x80000000u);
  return one_over_one_plus_x(f);
}

/// x / 2^exponent rounded half away from zero, for exponents past 31 too (the quotient is then 0 for
/// any int32): TFLite's Softmax requires exponent <= 31, which rows of 512 or more near-equal values pass.
constexpr std::int32_t rounding_shift_down(std::int32_t x, int exponent) { return exponent > 31 ? 0 : rounding_divide_by_pot(x, exponent); }

constexpr std::int8_t saturate8(std::int32_t v) { return static_cast<std::int8_t>(v < -128 ? -128 : v > 127 ? 127 : v); }
}  // namespace detail

/// The constants of an int8 Logistic or Tanh for its input's quantization (TFLite's Prepare: input_scale
/// * 2^27 as a multiplier and a left shift, and the input radius past which the output saturates).
struct logistic_params {
  std::int32_t input_zero_point = 0;
  std::int32_t input_range_radius = 0;
  std::int32_t input_multiplier = 0;
  int input_left_shift = 0;
};
using tanh_params = logistic_params;

constexpr logistic_params prepare_logistic(affine input) {
  constexpr int input_integer_bits = 4;
  // frexp and rounding to 31 bits as TFLite's Prepare; quantize_multiplier also keeps a mantissa that
  // rounds up to 1 in range (TFLite's cast would overflow there).
  const multiplier m = quantize_multiplier(static_cast<double>(input.scale) * static_cast<double>(1 << (31 - input_integer_bits)));
  return {input.zero_point, detail::input_radius(input_integer_bits, m.shift), m.value, m.shift};
}
constexpr tanh_params prepare_tanh(affine input) { return prepare_logistic(input); }

/// One int8 value through TFLite's int8 Logistic: output scale 1/256, zero point -128.
constexpr std::int8_t logistic(std::int8_t x, const logistic_params& p) {
  const std::int32_t input = static_cast<std::int32_t>(x) - p.input_zero_point;
  if (input <= -p.input_range_radius) return -128;
  if (input >= p.input_range_radius) return 127;
  const std::int32_t q4 = multiply_by_quantized_multiplier(input, p.input_multiplier, p.input_left_shift);
  const std::int32_t q0 = detail::logistic<4>(q4);
  return detail::saturate8(rounding_divide_by_pot(q0, 31 - 8) - 128);  // 2^-8 steps, offset by -128
}

/// One int8 value through TFLite's int8 Tanh: output scale 1/128, zero point 0.
constexpr std::int8_t tanh(std::int8_t x, const tanh_params& p) {
  const std::int32_t input = static_cast<std::int32_t>(x) - p.input_zero_point;
  if (input <= -p.input_range_radius) return -128;
  if (input >= p.input_range_radius) return 127;
  const std::int32_t q4 = multiply_by_quantized_multiplier(input, p.input_multiplier, p.input_left_shift);
  const std::int32_t q0 = detail::tanh<4>(q4);
  return detail::saturate8(rounding_divide_by_pot(q0, 31 - 7));  // 2^-7 steps
}

/// Every int8 input's output, indexed by input + 128: an element-wise activation as a lookup.
using activation_table = std::array<std::int8_t, 256>;
constexpr activation_table logistic_table(const logistic_params& p) {
  activation_table t{};
  for (int v = -128; v <= 127; ++v) t[static_cast<std::size_t>(v + 128)] = logistic(static_cast<std::int8_t>(v), p);
  return t;
}
constexpr activation_table tanh_table(const tanh_params& p) {
  activation_table t{};
  for (int v = -128; v <= 127; ++v) t[static_cast<std::size_t>(v + 128)] = tanh(static_cast<std::int8_t>(v), p);
  return t;
}
/// The table of y = x * scale + offset (Keras' Rescaling) from `in`'s quantization to `out`'s: each
/// input's value in float, as the float layer computes it, then rounded to out's nearest step (halves
/// away from zero) and saturated.
constexpr activation_table affine_table(affine in, affine out, float scale, float offset) {
  activation_table t{};
  for (int v = -128; v <= 127; ++v) {
    const float x = in.scale * static_cast<float>(v - in.zero_point);
    const float y = x * scale + offset;
    const double q = round(static_cast<double>(y) / static_cast<double>(out.scale)) + out.zero_point;
    t[static_cast<std::size_t>(v + 128)] = static_cast<std::int8_t>(q < -128.0 ? -128.0 : q > 127.0 ? 127.0 : q);
  }
  return t;
}
/// y[i] = table[x[i] + 128] for n values; y may be x.
constexpr void lookup(const std::int8_t* x, std::int8_t* y, std::ptrdiff_t n, const activation_table& table) {
  for (std::ptrdiff_t i = 0; i < n; ++i) y[i] = table[static_cast<std::size_t>(x[i] + 128)];
}

/// The constants of an int8 Softmax for its input's scale and beta (TFLite's PreprocessSoftmaxScaling and
/// diff_min): beta * input_scale * 2^26 (capped at 2^31 - 1) as a multiplier and a left shift.
struct softmax_params {
  std::int32_t input_multiplier = 0;
  int input_left_shift = 0;
  std::int32_t diff_min = 0;
};

constexpr softmax_params prepare_softmax(float input_scale, double beta = 1.0) {
  constexpr int scaled_diff_integer_bits = 5;
  double real = beta * static_cast<double>(input_scale) * static_cast<double>(1 << (31 - scaled_diff_integer_bits));
  const double cap = static_cast<double>(1LL << 31) - 1.0;
  real = real < cap ? real : cap;
  const multiplier m = quantize_multiplier(real);
  return {m.value, m.shift, -detail::input_radius(scaled_diff_integer_bits, m.shift)};
}

namespace detail {
/// exp(x - max) of one value of a row, Q0.31 (TFLite computes it in both passes, and so does this).
constexpr std::int32_t softmax_exp(std::int32_t diff, const softmax_params& p) {
  // diff >= diff_min keeps diff * 2^left_shift inside int32.
  const auto shifted = static_cast<std::int32_t>(static_cast<std::int64_t>(diff) * (std::int64_t{1} << p.input_left_shift));
  return exp_on_negative_values<5>(mul(shifted, p.input_multiplier));
}
}  // namespace detail

/// TFLite's int8 Softmax over rows of `depth` values: x (rows, depth) -> y, scale 1/256, zero point
/// -128. y may be x.
constexpr void softmax(const std::int8_t* x, std::int8_t* y, std::ptrdiff_t rows, int depth, const softmax_params& p) {
  constexpr int accumulation_integer_bits = 12;
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    const std::int8_t* in = x + r * depth;
    std::int8_t* out = y + r * depth;
    std::int32_t max = -128;
    for (int c = 0; c < depth; ++c) max = in[c] > max ? in[c] : max;
    std::int32_t sum = 0;  // Q12.19
    for (int c = 0; c < depth; ++c) {
      const std::int32_t diff = in[c] - max;
      if (diff >= p.diff_min)
        sum = detail::add(sum, detail::scale_by_pot(detail::softmax_exp(diff, p), -accumulation_integer_bits));
    }
    int bits_over_unit = 0;
    const std::int32_t scale = detail::reciprocal(sum, accumulation_integer_bits, bits_over_unit);
    const int exponent = bits_over_unit + 31 - 8;
    for (int c = 0; c < depth; ++c) {
      const std::int32_t diff = in[c] - max;
      out[c] = diff >= p.diff_min
                   ? detail::saturate8(detail::rounding_shift_down(detail::mul(scale, detail::softmax_exp(diff, p)), exponent) - 128)
                   : std::int8_t{-128};
    }
  }
}

}  // namespace tshape::kernels::quant
