// Quantization parameters as TensorFlow Lite chooses them for int8 (post-training, full integer):
//   activations  per tensor, asymmetric: real = scale * (q - zero_point), q in [-128, 127]; the
//                calibrated [min, max] is widened to include 0 so that 0 is exact, and the zero point
//                is nudged to an integer (TFLite's ChooseQuantizationParams).
//   weights      per output channel, symmetric: scale = max|w| / 127, q = round(w / scale) in [-127, 127].
//   biases       int32 with scale input_scale * weight_scale[c], zero point 0.
// The arithmetic is float or double exactly where TFLite's is, so the integers are the same.
#pragma once
#include <cstdint>

#include "fixed_point.hpp"

namespace tshape::kernels::quant {

/// A per-tensor affine quantization: real = scale * (q - zero_point).
struct affine {
  float scale = 1.0f;
  std::int32_t zero_point = 0;
};

constexpr std::int32_t clamp32(std::int64_t v, std::int64_t lo, std::int64_t hi) {
  return static_cast<std::int32_t>(v < lo ? lo : v > hi ? hi : v);
}

/// The int8 parameters of values calibrated to [min, max] (TFLite's ChooseQuantizationParams<int8_t>).
/// A range that is the single point 0 gets scale 1 (TFLite gives 0, a scale nothing can divide by).
constexpr affine choose_activation(double min, double max) {
  constexpr double qmin = -128.0, qmax = 127.0;
  min = min < 0.0 ? min : 0.0;
  max = max > 0.0 ? max : 0.0;
  if (min == max) return {1.0f, 0};
  const double scale = (max - min) / (qmax - qmin);
  const double from_min = qmin - min / scale;
  const double from_max = qmax - max / scale;
  const double abs_min_over = min / scale < 0 ? -(min / scale) : min / scale;
  const double abs_max_over = max / scale < 0 ? -(max / scale) : max / scale;
  const double error_min = 128.0 + abs_min_over;  // |qmin| + |min / scale|
  const double error_max = 127.0 + abs_max_over;
  const double zero_point = error_min < error_max ? from_min : from_max;
  std::int32_t nudged = 0;
  if (zero_point < qmin) nudged = -128;
  else if (zero_point > qmax) nudged = 127;
  else nudged = static_cast<std::int32_t>(round(zero_point));
  return {static_cast<float>(scale), nudged};
}

/// A real value to int8 (TFLite's Quantize op: round(v / scale) + zero_point, in float, clamped). All
/// in float, so that a target without double-precision hardware (a Cortex-M4) needs no software double:
/// the quotient is held to +-1024 (past it the clamp to int8 decides alone), then rounded half away
/// from zero exactly (its integer part and the rest are exact in float at that size).
constexpr std::int8_t quantize_value(float v, affine p) {
  float x = v / p.scale;
  x = x < -1024.0f ? -1024.0f : x > 1024.0f ? 1024.0f : x == x ? x : 0.0f;  // NaN: the zero point (real 0)
  const auto t = static_cast<std::int32_t>(x);  // toward zero
  const float rest = x - static_cast<float>(t);
  const std::int32_t r = t + (rest >= 0.5f ? 1 : 0) - (rest <= -0.5f ? 1 : 0) + p.zero_point;
  return static_cast<std::int8_t>(r < -128 ? -128 : r > 127 ? 127 : r);
}

/// An int8 value back to real (TFLite's Dequantize op: scale * (q - zero_point), in double).
constexpr float dequantize_value(std::int8_t q, affine p) {
  return static_cast<float>(static_cast<double>(p.scale) * static_cast<double>(q - p.zero_point));
}

/// The symmetric scale of a channel whose largest magnitude is max_abs: max_abs / 127 (1 for a channel
/// of zeros: TFLite gives it 0, which also zeroes its bias; 1 keeps the bias).
constexpr float weight_scale(float max_abs) { return max_abs > 0.0f ? max_abs / 127.0f : 1.0f; }

/// A weight to int8 in a channel whose largest magnitude is max_abs (TFLite multiplies by 127 / max_abs,
/// in float, rather than dividing by the scale).
constexpr std::int8_t quantize_weight(float w, float max_abs) {
  const float inverse = max_abs > 0.0f ? 127.0f / max_abs : 0.0f;
  const double r = round(static_cast<double>(w * inverse));
  return static_cast<std::int8_t>(r < -127.0 ? -127 : r > 127.0 ? 127 : r);
}

/// A bias to int32 with scale input_scale * weight_scale (both float, multiplied in float as TFLite).
constexpr std::int32_t quantize_bias(float b, float input_scale, float weight_scale) {
  const float scale = input_scale * weight_scale;
  const float inverse = scale == 0.0f ? 0.0f : static_cast<float>(1.0 / static_cast<double>(scale));
  const double r = round(static_cast<double>(b * inverse));
  return static_cast<std::int32_t>(r < -2147483648.0 ? -2147483648.0 : r > 2147483647.0 ? 2147483647.0 : r);
}

/// The requantization multiplier of an output channel: input_scale * weight_scale / output_scale, in
/// double (TFLite's PopulateConvolutionQuantizationParams), as an int32 and a shift.
constexpr multiplier output_multiplier(float input_scale, float weight_scale, float output_scale) {
  return quantize_multiplier(static_cast<double>(input_scale) * static_cast<double>(weight_scale) /
                             static_cast<double>(output_scale));
}

/// The int8 range an activation clamps to (TFLite's CalculateActivationRangeQuantized): ReLU from the
/// zero point, ReLU6 up to the quantized 6, linear the whole of int8.
struct clamp_range {
  std::int32_t min = -128, max = 127;
};
enum class fused { linear, relu, relu6 };
constexpr clamp_range activation_range(fused a, affine out) {
  clamp_range r;
  if (a == fused::relu || a == fused::relu6) r.min = out.zero_point > -128 ? out.zero_point : -128;
  if (a == fused::relu6) {
    const std::int32_t six = out.zero_point + static_cast<std::int32_t>(round(static_cast<double>(6.0f / out.scale)));
    r.max = six < 127 ? six : 127;
  }
  return r;
}

}  // namespace tshape::kernels::quant
