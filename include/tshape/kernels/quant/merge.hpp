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
// add runs the arithmetic on vectors of int32 lanes where the target has them (16 on AVX-512, 8 on
// AVX2, 4 twice on NEON): gemmlowp's doubling high product is (a * b + 2^30) >> 31 on 64-bit
// products (the same integers as its round-half-away-from-zero form; NEON's vqrdmulhq is exactly it),
// the rounding shift a mask compare. The portable form tabulates each input's part once per call (256
// entries, computed with the reference arithmetic: the same integers) and then looks up. A
// concatenation's rescaling depends only on the int8 input's value, so it is a table too.
// add_reference / concatenate_reference are the plain loops, per element, that tests compare
// against. A broadcast Add (TFLite's BroadcastAdd) is the same arithmetic on rows where an input's
// stride is 0 (one value repeated).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../config.hpp"
#include "fixed_point.hpp"
#include "params.hpp"

#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2)
#include <immintrin.h>
#elif defined(TSHAPE_SIMD_NEON)
#include <arm_neon.h>
#endif

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

namespace detail {
/// Whether the vector forms take these constants: every multiplier below 2^31 in magnitude (always
/// so from quantize_multiplier; INT32_MIN would need gemmlowp's saturating case) and shifts in range.
constexpr bool add_vectorizable(const add_params& p) {
  const std::int32_t most_negative = -2147483647 - 1;
  for (const std::int32_t m : {p.input1_multiplier, p.input2_multiplier, p.output_multiplier})
    if (m == most_negative) return false;
  for (const int s : {p.input1_shift, p.input2_shift, p.output_shift})
    if (s > 31 || s < -31) return false;
  return p.left_shift >= 0 && p.left_shift < 32;
}

#if defined(TSHAPE_SIMD_AVX512)
// The masked-zero forms with every lane on: g++ 12 warns that the plain forms read an undefined
// register (_mm512_undefined_epi32) at -O2.
inline constexpr __mmask16 all16 = 0xFFFF;
inline constexpr __mmask8 all8 = 0xFF;
/// 16 lanes of TFLite's MultiplyByQuantizedMultiplier (fixed_point.hpp) by one multiplier and shift.
struct mbqm16 {
  __m512i multiplier, multiplier_odd, mask, half;
  __m128i left, right;
  mbqm16(std::int32_t m, int shift)
      : multiplier(_mm512_set1_epi32(m)), multiplier_odd(_mm512_set1_epi64(m)),
        mask(_mm512_set1_epi32(static_cast<std::int32_t>((1LL << (shift > 0 ? 0 : -shift)) - 1))),
        half(_mm512_maskz_srli_epi32(all16, mask, 1)), left(_mm_cvtsi32_si128(shift > 0 ? shift : 0)),
        right(_mm_cvtsi32_si128(shift > 0 ? 0 : -shift)) {}
  TSHAPE_ALWAYS_INLINE __m512i operator()(__m512i x) const {
    x = _mm512_maskz_sll_epi32(all16, x, left);
    // (x * m + 2^30) >> 31 on the even lanes' and the odd lanes' 64-bit products; bits 31..62 are
    // the same for a logical as for an arithmetic shift.
    const __m512i nudge = _mm512_set1_epi64(1LL << 30);
    const __m512i even = _mm512_maskz_srli_epi64(all8, _mm512_maskz_add_epi64(all8, _mm512_maskz_mul_epi32(all8, x, multiplier), nudge), 31);
    const __m512i odd_x = _mm512_maskz_srli_epi64(all8, x, 32);
    const __m512i odd = _mm512_maskz_slli_epi64(all8, _mm512_maskz_add_epi64(all8, _mm512_maskz_mul_epi32(all8, odd_x, multiplier_odd), nudge), 1);
    const __m512i high = _mm512_mask_blend_epi32(static_cast<__mmask16>(0xAAAA), even, odd);
    // RoundingDivideByPOT: + 1 where the remainder is above half (half + 1 for a negative value).
    const __m512i remainder = _mm512_and_si512(high, mask);
    const __m512i threshold = _mm512_maskz_add_epi32(all16, half, _mm512_maskz_srli_epi32(all16, high, 31));
    const __m512i shifted = _mm512_maskz_sra_epi32(all16, high, right);
    return _mm512_mask_add_epi32(shifted, _mm512_cmpgt_epi32_mask(remainder, threshold), shifted, _mm512_set1_epi32(1));
  }
};
inline __m512i load16(const std::int8_t* p, std::ptrdiff_t stride) {
  return stride ? _mm512_maskz_cvtepi8_epi32(all16, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p))) : _mm512_set1_epi32(*p);
}
/// The whole vectors of an Add; returns how many elements they covered.
inline std::ptrdiff_t add_vectors(std::ptrdiff_t n, const std::int8_t* a, const std::int8_t* b, const add_params& p, std::int8_t* y,
                                  std::ptrdiff_t a_stride, std::ptrdiff_t b_stride) {
  const mbqm16 scale1(p.input1_multiplier, p.input1_shift), scale2(p.input2_multiplier, p.input2_shift);
  const mbqm16 scale_out(p.output_multiplier, p.output_shift);
  const __m512i offset1 = _mm512_set1_epi32(p.input1_offset), offset2 = _mm512_set1_epi32(p.input2_offset);
  const __m512i zero_point = _mm512_set1_epi32(p.output_offset), lo = _mm512_set1_epi32(p.min), hi = _mm512_set1_epi32(p.max);
  const __m128i left = _mm_cvtsi32_si128(p.left_shift);
  std::ptrdiff_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i x1 = _mm512_maskz_sll_epi32(all16, _mm512_maskz_add_epi32(all16, load16(a + i * a_stride, a_stride), offset1), left);
    const __m512i x2 = _mm512_maskz_sll_epi32(all16, _mm512_maskz_add_epi32(all16, load16(b + i * b_stride, b_stride), offset2), left);
    const __m512i sum = _mm512_maskz_add_epi32(all16, scale1(x1), scale2(x2));
    __m512i out = _mm512_maskz_add_epi32(all16, scale_out(sum), zero_point);
    out = _mm512_maskz_min_epi32(all16, _mm512_maskz_max_epi32(all16, out, lo), hi);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm512_maskz_cvtepi32_epi8(all16, out));
  }
  return i;
}
#elif defined(TSHAPE_SIMD_AVX2)
/// 8 lanes of TFLite's MultiplyByQuantizedMultiplier (see mbqm16).
struct mbqm8 {
  __m256i multiplier, multiplier_odd, mask, half;
  __m128i left, right;
  mbqm8(std::int32_t m, int shift)
      : multiplier(_mm256_set1_epi32(m)), multiplier_odd(_mm256_set1_epi64x(m)),
        mask(_mm256_set1_epi32(static_cast<std::int32_t>((1LL << (shift > 0 ? 0 : -shift)) - 1))),
        half(_mm256_srli_epi32(mask, 1)), left(_mm_cvtsi32_si128(shift > 0 ? shift : 0)), right(_mm_cvtsi32_si128(shift > 0 ? 0 : -shift)) {}
  TSHAPE_ALWAYS_INLINE __m256i operator()(__m256i x) const {
    x = _mm256_sll_epi32(x, left);
    const __m256i nudge = _mm256_set1_epi64x(1LL << 30);
    const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, multiplier), nudge), 31);
    const __m256i odd = _mm256_slli_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), multiplier_odd), nudge), 1);
    const __m256i high = _mm256_blend_epi32(even, odd, 0xAA);
    const __m256i remainder = _mm256_and_si256(high, mask);
    const __m256i threshold = _mm256_add_epi32(half, _mm256_srli_epi32(high, 31));
    // cmpgt gives -1 where the remainder is above the threshold: subtracting it adds 1.
    return _mm256_sub_epi32(_mm256_sra_epi32(high, right), _mm256_cmpgt_epi32(remainder, threshold));
  }
};
inline __m256i load8(const std::int8_t* p, std::ptrdiff_t stride) {
  return stride ? _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))) : _mm256_set1_epi32(*p);
}
inline std::ptrdiff_t add_vectors(std::ptrdiff_t n, const std::int8_t* a, const std::int8_t* b, const add_params& p, std::int8_t* y,
                                  std::ptrdiff_t a_stride, std::ptrdiff_t b_stride) {
  const mbqm8 scale1(p.input1_multiplier, p.input1_shift), scale2(p.input2_multiplier, p.input2_shift);
  const mbqm8 scale_out(p.output_multiplier, p.output_shift);
  const __m256i offset1 = _mm256_set1_epi32(p.input1_offset), offset2 = _mm256_set1_epi32(p.input2_offset);
  const __m256i zero_point = _mm256_set1_epi32(p.output_offset), lo = _mm256_set1_epi32(p.min), hi = _mm256_set1_epi32(p.max);
  const __m128i left = _mm_cvtsi32_si128(p.left_shift);
  std::ptrdiff_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i x1 = _mm256_sll_epi32(_mm256_add_epi32(load8(a + i * a_stride, a_stride), offset1), left);
    const __m256i x2 = _mm256_sll_epi32(_mm256_add_epi32(load8(b + i * b_stride, b_stride), offset2), left);
    __m256i out = _mm256_add_epi32(scale_out(_mm256_add_epi32(scale1(x1), scale2(x2))), zero_point);
    out = _mm256_min_epi32(_mm256_max_epi32(out, lo), hi);
    const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(out), _mm256_extracti128_si256(out, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), _mm_packs_epi16(words, words));
  }
  return i;
}
#elif defined(TSHAPE_SIMD_NEON)
/// 4 lanes of TFLite's MultiplyByQuantizedMultiplier: vqrdmulhq_s32 is gemmlowp's doubling high
/// product itself, saturation included; the rounding shift as on x86.
struct mbqm4 {
  int32x4_t multiplier, left, right, mask, half;
  mbqm4(std::int32_t m, int shift)
      : multiplier(vdupq_n_s32(m)), left(vdupq_n_s32(shift > 0 ? shift : 0)), right(vdupq_n_s32(shift > 0 ? 0 : shift)),
        mask(vdupq_n_s32(static_cast<std::int32_t>((1LL << (shift > 0 ? 0 : -shift)) - 1))), half(vshrq_n_s32(mask, 1)) {}
  TSHAPE_ALWAYS_INLINE int32x4_t operator()(int32x4_t x) const {
    const int32x4_t high = vqrdmulhq_s32(vshlq_s32(x, left), multiplier);
    const int32x4_t remainder = vandq_s32(high, mask);
    const int32x4_t threshold = vaddq_s32(half, vreinterpretq_s32_u32(vshrq_n_u32(vreinterpretq_u32_s32(high), 31)));
    // vshlq_s32 by a negative count shifts right arithmetically; the compare's all-ones is -1.
    return vsubq_s32(vshlq_s32(high, right), vreinterpretq_s32_u32(vcgtq_s32(remainder, threshold)));
  }
};
inline int16x8_t load8(const std::int8_t* p, std::ptrdiff_t stride) { return stride ? vmovl_s8(vld1_s8(p)) : vdupq_n_s16(*p); }
inline std::ptrdiff_t add_vectors(std::ptrdiff_t n, const std::int8_t* a, const std::int8_t* b, const add_params& p, std::int8_t* y,
                                  std::ptrdiff_t a_stride, std::ptrdiff_t b_stride) {
  const mbqm4 scale1(p.input1_multiplier, p.input1_shift), scale2(p.input2_multiplier, p.input2_shift);
  const mbqm4 scale_out(p.output_multiplier, p.output_shift);
  const int32x4_t offset1 = vdupq_n_s32(p.input1_offset), offset2 = vdupq_n_s32(p.input2_offset);
  const int32x4_t zero_point = vdupq_n_s32(p.output_offset), lo = vdupq_n_s32(p.min), hi = vdupq_n_s32(p.max);
  const int32x4_t left = vdupq_n_s32(p.left_shift);
  auto half = [&](int16x4_t va, int16x4_t vb) {
    const int32x4_t x1 = vshlq_s32(vaddq_s32(vmovl_s16(va), offset1), left);
    const int32x4_t x2 = vshlq_s32(vaddq_s32(vmovl_s16(vb), offset2), left);
    const int32x4_t out = vaddq_s32(scale_out(vaddq_s32(scale1(x1), scale2(x2))), zero_point);
    return vqmovn_s32(vminq_s32(vmaxq_s32(out, lo), hi));
  };
  std::ptrdiff_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const int16x8_t va = load8(a + i * a_stride, a_stride), vb = load8(b + i * b_stride, b_stride);
    const int16x8_t out = vcombine_s16(half(vget_low_s16(va), vget_low_s16(vb)), half(vget_high_s16(va), vget_high_s16(vb)));
    vst1_s8(y + i, vqmovn_s16(out));
  }
  return i;
}
#endif
}  // namespace detail

/// y[i] = a[i * a_stride] + b[i * b_stride] in int8: the vector form where the target has one, else the
/// tables (or, for fewer than 256 elements, the plain steps: the tables would cost more than they save).
inline void add(std::ptrdiff_t n, const std::int8_t* a, const std::int8_t* b, const add_params& p, std::int8_t* y,
                std::ptrdiff_t a_stride = 1, std::ptrdiff_t b_stride = 1) {
#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2) || defined(TSHAPE_SIMD_NEON)
  if (detail::add_vectorizable(p)) {
    const std::ptrdiff_t done = detail::add_vectors(n, a, b, p, y, a_stride, b_stride);
    add_reference(n - done, a + done * a_stride, b + done * b_stride, p, y + done, a_stride, b_stride);
    return;
  }
#endif
  if (n < 256)
    add_reference(n, a, b, p, y, a_stride, b_stride);
  else
    add(n, a, b, p, add_tables(p), y, a_stride, b_stride);
}

/// An int8 Add run on many rows (a broadcast Add's): the tables built once where the portable form
/// runs, nothing to prepare for the vector forms.
class add_kernel {
 public:
  explicit add_kernel(const add_params& p)
      : p_(p)
#if !(defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2) || defined(TSHAPE_SIMD_NEON))
        ,
        tables_(p)
#endif
  {
  }
  void operator()(std::ptrdiff_t n, const std::int8_t* a, const std::int8_t* b, std::int8_t* y, std::ptrdiff_t a_stride = 1,
                  std::ptrdiff_t b_stride = 1) const {
#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2) || defined(TSHAPE_SIMD_NEON)
    add(n, a, b, p_, y, a_stride, b_stride);
#else
    add(n, a, b, p_, tables_, y, a_stride, b_stride);
#endif
  }

 private:
  add_params p_;
#if !(defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2) || defined(TSHAPE_SIMD_NEON))
  add_tables tables_;
#endif
};

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
