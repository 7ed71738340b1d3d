// Fixed-point requantization, bit-exact with TensorFlow Lite's int8 reference kernels.
//
// A real multiplier m (input_scale * weight_scale / output_scale) becomes an int32 q in [2^30, 2^31)
// and a power-of-two shift with m ~= q * 2^(shift - 31) (TFLite's QuantizeMultiplier). An int32
// accumulator x is then scaled as TFLite does by default (not TFLITE_SINGLE_ROUNDING): shifted left by
// max(shift, 0), multiplied by q keeping the rounded high half of the doubled product (gemmlowp's
// SaturatingRoundingDoublingHighMul), then divided by 2^max(-shift, 0) rounding half away from zero
// (gemmlowp's RoundingDivideByPOT). Everything is constexpr, so a model quantizes at compile time.
#pragma once
#include <cstdint>
#include <limits>

namespace tshape::kernels::quant {

/// The mantissa of v in [0.5, 1) (sign kept) and its exponent, as std::frexp; exact, and constexpr.
constexpr double frexp(double v, int& exponent) {
  exponent = 0;
  constexpr double most = std::numeric_limits<double>::max();
  if (v == 0.0 || v != v || v > most || v < -most) return v;  // 0, NaN and +-inf as they are (std::frexp's)
  const bool negative = v < 0;
  double m = negative ? -v : v;
  while (m >= 1.0) m *= 0.5, ++exponent;  // halving and doubling are exact in binary
  while (m < 0.5) m *= 2.0, --exponent;
  return negative ? -m : m;
}

/// v rounded to the nearest integer, halves away from zero, as std::round (TfLiteRound); |v| < 2^62.
constexpr double round(double v) {
  const auto t = static_cast<std::int64_t>(v);  // toward zero, exact
  const double frac = v - static_cast<double>(t);
  if (frac >= 0.5) return static_cast<double>(t + 1);
  if (frac <= -0.5) return static_cast<double>(t - 1);
  return static_cast<double>(t);
}

/// An int32 multiplier and a shift for the real multiplier m >= 0: m ~= multiplier * 2^(shift - 31).
struct multiplier {
  std::int32_t value = 0;
  int shift = 0;
};

/// TFLite's QuantizeMultiplier.
constexpr multiplier quantize_multiplier(double m) {
  if (m == 0.0 || m != m) return {};
  if (m > std::numeric_limits<double>::max()) return {std::numeric_limits<std::int32_t>::max(), 31};  // infinite weights
  int shift = 0;
  const double q = frexp(m, shift);
  auto fixed = static_cast<std::int64_t>(round(q * static_cast<double>(1LL << 31)));
  if (fixed == (1LL << 31)) {  // q rounded up to 1.0
    fixed /= 2;
    ++shift;
  }
  if (shift < -31) {  // every bit would be shifted out: the product is 0
    shift = 0;
    fixed = 0;
  }
  return {static_cast<std::int32_t>(fixed), shift};
}

/// gemmlowp's SaturatingRoundingDoublingHighMul: the high 32 bits of 2ab, rounded half away from zero;
/// the one overflowing case (INT32_MIN squared) saturates.
constexpr std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  if (a == b && a == std::numeric_limits<std::int32_t>::min()) return std::numeric_limits<std::int32_t>::max();
  const std::int64_t ab = static_cast<std::int64_t>(a) * static_cast<std::int64_t>(b);
  const std::int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return static_cast<std::int32_t>((ab + nudge) / (1LL << 31));  // division truncates toward zero
}

/// gemmlowp's RoundingDivideByPOT: x / 2^exponent (0 <= exponent <= 31) rounded half away from zero.
constexpr std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) {
  const std::int32_t mask = static_cast<std::int32_t>((1LL << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);  // >> of a negative is arithmetic (C++20)
}

/// TFLite's MultiplyByQuantizedMultiplier (the default double rounding): x * q * 2^(shift - 31).
constexpr std::int32_t multiply_by_quantized_multiplier(std::int32_t x, std::int32_t q, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  // TFLite shifts in int32; wrapping here gives the same bits without the undefined behaviour.
  const auto shifted = static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << left);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, q), right);
}

}  // namespace tshape::kernels::quant
