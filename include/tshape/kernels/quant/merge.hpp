// Int8 merges as TFLite's integer kernels do them (functional models' Add and Concatenate).
//
//   add          TFLite's reference int8 Add (reference_integer_ops::AddElementwise, with the Prepare of
//                kernels/add.cc): each input's x - zp_i is shifted left by 20 bits and scaled by the
//                multiplier of s_i / (2 max(s1, s2)) (at most 1/2: gemmlowp's rounding product, then
//                the rounding right shift); the two are summed in int32 and scaled by the multiplier of
//                2 max(s1, s2) / (2^20 s_out), + zp_out, clamped to [min, max].
//   requantize   TFLite's concatenation of inputs whose quantization differs from the output's
//                (reference_ops::ConcatenationWithScaling): in float, q * (s_in * (1 / s_out)) + (-zp_in
//                * that), rounded half away from zero, + zp_out, clamped to int8. An input quantized as
//                the output is copied.
// An int8 output of either depends only on the int8 inputs' values, so the kernels tabulate each
// input's part once per call (256 entries, computed with the reference arithmetic: the same integers)
// and then look up; add_reference / concatenate_reference are the plain loops, per element, that tests
// compare against. A broadcast Add (TFLite's BroadcastAdd) is the same arithmetic on rows where an
// input's stride is 0 (one value repeated).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fixed_point.hpp"
#include "params.hpp"

namespace tshape::kernels::quant {

/// An int8 Add's constants (TFLite's ArithmeticParams for int8 Add).
struct add_params {
  std::int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;  // -zp1, -zp2, zp_out
  int left_shift = 20;
  std::int32_t input1_multiplier = 0, input2_multiplier = 0, output_multiplier = 0;
  int input1_shift = 0, input2_shift = 0, output_shift = 0;  // <= 0 (right shifts) for real multipliers < 1
  std::int32_t min = -128, max = 127;                         // the output's clamp
};

/// TFLite's Prepare of an int8 Add of inputs quantized as in1 and in2 into out, clamped to r.
constexpr add_params prepare_add(affine in1, affine in2, affine out, clamp_range r = {}) {
  add_params p;
  p.input1_offset = -in1.zero_point;
  p.input2_offset = -in2.zero_point;
  p.output_offset = out.zero_point;
  p.left_shift = 20;
  // 2 * max of the float scales is exact in float; the ratios are in double, as TFLite's.
  const double twice_max = static_cast<double>(2.0f * (in1.scale > in2.scale ? in1.scale : in2.scale));
  const auto m1 = quantize_multiplier(static_cast<double>(in1.scale) / twice_max);
  const auto m2 = quantize_multiplier(static_cast<double>(in2.scale) / twice_max);
  const auto mo = quantize_multiplier(twice_max / (static_cast<double>(1 << 20) * static_cast<double>(out.scale)));
  p.input1_multiplier = m1.value;
  p.input1_shift = m1.shift;
  p.input2_multiplier = m2.value;
  p.input2_shift = m2.shift;
  p.output_multiplier = mo.value;
  p.output_shift = mo.shift;
  p.min = r.min;
  p.max = r.max;
  return p;
}

namespace detail {
/// One input's part of an Add: (x - zp) << 20, scaled by its multiplier (|x - zp| <= 255: no overflow).
constexpr std::int32_t add_input_part(std::int32_t x, std::int32_t offset, int left_shift, std::int32_t multiplier, int shift) {
  return multiply_by_quantized_multiplier((offset + x) * (1 << left_shift), multiplier, shift);
}
/// The sum of the two parts to the output, + zp_out, clamped.
constexpr std::int8_t add_output(std::int32_t raw_sum, const add_params& p) {
  const std::int32_t raw = multiply_by_quantized_multiplier(raw_sum, p.output_multiplier, p.output_shift) + p.output_offset;
  return static_cast<std::int8_t>(raw < p.min ? p.min : raw > p.max ? p.max : raw);
}
}  // namespace detail

/// One int8 Add, TFLite's arithmetic step by step.
constexpr std::int8_t add_value(std::int8_t a, std::int8_t b, const add_params& p) {
  const std::int32_t s1 = detail::add_input_part(a, p.input1_offset, p.left_shift, p.input1_multiplier, p.input1_shift);
  const std::int32_t s2 = detail::add_input_part(b, p.input2_offset, p.left_shift, p.input2_multiplier, p.input2_shift);
  return detail::add_output(s1 + s2, p);
}

/// y[i] = a[i * a_stride] + b[i * b_stride] in int8, element by element (the plain twin). A stride of 0
/// repeats one value (a broadcast input's row).
inline void add_reference(std::ptrdiff_t n, const std::int8_t* a, const std::int8_t* b, const add_params& p, std::int8_t* y,
                          std::ptrdiff_t a_stride = 1, std::ptrdiff_t b_stride = 1) {
  for (std::ptrdiff_t i = 0; i < n; ++i) y[i] = add_value(a[i * a_stride], b[i * b_stride], p);
}

/// The int8 Add's two inputs' scaled parts over their 256 values (computed with the reference steps).
struct add_tables {
  std::array<std::int32_t, 256> part1{}, part2{};
  explicit add_tables(const add_params& p) {
    for (int v = -128; v < 128; ++v) {
      part1[static_cast<std::size_t>(v + 128)] = detail::add_input_part(v, p.input1_offset, p.left_shift, p.input1_multiplier, p.input1_shift);
      part2[static_cast<std::size_t>(v + 128)] = detail::add_input_part(v, p.input2_offset, p.left_shift, p.input2_multiplier, p.input2_shift);
    }
  }
};
/// The same integers from the tables: one rounding product per output.
inline void add(std::ptrdiff_t n, const std::int8_t* a, const std::int8_t* b, const add_params& p, const add_tables& t, std::int8_t* y,
                std::ptrdiff_t a_stride = 1, std::ptrdiff_t b_stride = 1) {
  for (std::ptrdiff_t i = 0; i < n; ++i)
    y[i] = detail::add_output(t.part1[static_cast<std::size_t>(a[i * a_stride] + 128)] + t.part2[static_cast<std::size_t>(b[i * b_stride] + 128)], p);
}
inline void add(std::ptrdiff_t n, const std::int8_t* a, const std::int8_t* b, const add_params& p, std::int8_t* y) {
  if (n < 256) {  // the tables would cost more than they save
    add_reference(n, a, b, p, y);
    return;
  }
  add(n, a, b, p, add_tables(p), y);
}

/// How one input of a Concatenate reaches the output's quantization: copied when it has it already,
/// else TFLite's float rescaling.
struct requantize_params {
  bool copy = true;
  float scale = 1.0f, bias = 0.0f;
  std::int32_t zero_point = 0;  // the output's
};
constexpr requantize_params prepare_requantize(affine in, affine out) {
  requantize_params p;
  p.copy = in.zero_point == out.zero_point && in.scale == out.scale;
  const float inverse = 1.0f / out.scale;
  p.scale = in.scale * inverse;
  p.bias = static_cast<float>(-in.zero_point) * p.scale;
  p.zero_point = out.zero_point;
  return p;
}
/// One value: q * scale + bias in float (two roundings: no fused multiply-add), rounded half away
/// from zero, + zp_out, clamped to int8.
constexpr std::int8_t requantize_value(std::int8_t q, const requantize_params& p) {
  if (p.copy) return q;
  const float product = static_cast<float>(q) * p.scale;
  float v = product + p.bias;
  v = v < -1.0e6f ? -1.0e6f : v > 1.0e6f ? 1.0e6f : v;  // past this the clamp to int8 decides alone
  const std::int32_t r = static_cast<std::int32_t>(round(static_cast<double>(v))) + p.zero_point;
  return static_cast<std::int8_t>(r < -128 ? -128 : r > 127 ? 127 : r);
}

/// A Concatenate of `count` inputs: the output is `rows` rows (the batch times the axes before the
/// concatenation axis); row r is row r of every input in turn, input i's rows `len[i]` values long.
inline void concatenate_reference(std::ptrdiff_t rows, int count, const std::int8_t* const* x, const std::ptrdiff_t* len,
                                  const requantize_params* p, std::int8_t* y) {
  for (std::ptrdiff_t r = 0; r < rows; ++r)
    for (int i = 0; i < count; ++i) {
      const std::int8_t* src = x[i] + r * len[i];
      for (std::ptrdiff_t j = 0; j < len[i]; ++j) y[j] = requantize_value(src[j], p[i]);
      y += len[i];
    }
}

/// The same: copies where an input is quantized as the output, a 256-entry table lookup elsewhere.
inline void concatenate(std::ptrdiff_t rows, int count, const std::int8_t* const* x, const std::ptrdiff_t* len,
                        const requantize_params* p, std::int8_t* y) {
  std::ptrdiff_t out_row = 0;
  for (int i = 0; i < count; ++i) out_row += len[i];
  std::ptrdiff_t offset = 0;
  for (int i = 0; i < count; ++i) {
    const std::int8_t* src = x[i];
    std::int8_t* dst = y + offset;
    const std::ptrdiff_t n = len[i];
    if (p[i].copy) {
      for (std::ptrdiff_t r = 0; r < rows; ++r) std::memcpy(dst + r * out_row, src + r * n, static_cast<std::size_t>(n));
    } else {
      std::array<std::int8_t, 256> table{};
      for (int v = -128; v < 128; ++v) table[static_cast<std::size_t>(v + 128)] = requantize_value(static_cast<std::int8_t>(v), p[i]);
      for (std::ptrdiff_t r = 0; r < rows; ++r)
        for (std::ptrdiff_t j = 0; j < n; ++j) dst[r * out_row + j] = table[static_cast<std::size_t>(src[r * n + j] + 128)];
    }
    offset += n;
  }
}

}  // namespace tshape::kernels::quant
