// exp, sigmoid and tanh on whole SIMD registers, for kernels that apply them inside their loops
// (the recurrent cells: the gates of one step are a handful of registers, and calling std:: per lane
// would cost more than the step's products).
//
//   simd::exp<V>(x), simd::sigmoid<V>(x), simd::tanh<V>(x)
//
// exp: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 split in two), e^r by a degree-6 polynomial
// fitted for relative error (3.9e-9 in real arithmetic), times 2^n built in the exponent bits. Inputs
// are clamped to [-87, 88], where 2^n stays a normal float. sigmoid = 1 / (1 + e^-x). tanh: an odd
// polynomial below |x| = 0.55 (no cancellation near 0), 1 - 2 / (e^2|x| + 1) above, |x| clamped to 10
// (tanh is 1 in float there). Reciprocals are the hardware estimate plus Newton steps.
// Measured against std:: over [-100, 100] (tests/unit/kernels/simd_math_test.cpp, AVX-512): largest
// relative error exp 1.2e-7, sigmoid 2.0e-7, tanh 1.7e-7 (absolute 9e-8), i.e. one or two float
// steps. On `scalar` these are the std:: functions themselves.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "simd.hpp"

namespace tshape::kernels::simd {

namespace detail {

/// The few operations the functions below need beyond simd.hpp's, per instruction set.
template <class V>
struct math_ops;

#if defined(TSHAPE_SIMD_AVX512)
// The masked forms throughout: the plain ones trip g++ 12's -Wmaybe-uninitialized inside its own header.
template <>
struct math_ops<avx512> {
  using reg = __m512;
  static constexpr __mmask16 all = 0xFFFF;
  static TSHAPE_ALWAYS_INLINE reg min(reg a, reg b) { return _mm512_maskz_min_ps(all, a, b); }
  static TSHAPE_ALWAYS_INLINE reg max(reg a, reg b) { return _mm512_maskz_max_ps(all, a, b); }
  static TSHAPE_ALWAYS_INLINE reg round(reg a) {
    return _mm512_maskz_roundscale_ps(all, a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  /// 2^n for n a whole number in [-126, 127] held as a float.
  static TSHAPE_ALWAYS_INLINE reg pow2(reg n) {
    const __m512i i = _mm512_add_epi32(_mm512_maskz_cvtps_epi32(all, n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(all, i, 23));
  }
  static TSHAPE_ALWAYS_INLINE reg abs(reg a) {
    return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7FFFFFFF)));
  }
  /// a with the sign of s.
  static TSHAPE_ALWAYS_INLINE reg copysign(reg a, reg s) {
    const __m512i sign = _mm512_set1_epi32(static_cast<int>(0x80000000u));
    // Bitwise select: the sign bit from s, the others from a.
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(a), _mm512_castps_si512(s), sign, 0xD8));
  }
  /// a < b ? x : y.
  static TSHAPE_ALWAYS_INLINE reg select_less(reg a, reg b, reg x, reg y) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), y, x);
  }
  /// 1 / d for d >= 1: the 14-bit estimate and one Newton step.
  static TSHAPE_ALWAYS_INLINE reg reciprocal(reg d) {
    const reg e = _mm512_maskz_rcp14_ps(all, d);
    return _mm512_mul_ps(e, _mm512_fnmadd_ps(d, e, _mm512_set1_ps(2.0f)));
  }
};
#endif

#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2)
template <>
struct math_ops<avx2> {
  using reg = __m256;
  static TSHAPE_ALWAYS_INLINE reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
  static TSHAPE_ALWAYS_INLINE reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
  static TSHAPE_ALWAYS_INLINE reg round(reg a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static TSHAPE_ALWAYS_INLINE reg pow2(reg n) {
    const __m256i i = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(i, 23));
  }
  static TSHAPE_ALWAYS_INLINE reg abs(reg a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static TSHAPE_ALWAYS_INLINE reg copysign(reg a, reg s) {
    const reg sign = _mm256_set1_ps(-0.0f);
    return _mm256_or_ps(_mm256_andnot_ps(sign, a), _mm256_and_ps(sign, s));
  }
  static TSHAPE_ALWAYS_INLINE reg select_less(reg a, reg b, reg x, reg y) {
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_LT_OQ));
  }
  /// 1 / d for d >= 1: the 12-bit estimate and one Newton step.
  static TSHAPE_ALWAYS_INLINE reg reciprocal(reg d) {
    const reg e = _mm256_rcp_ps(d);
    return _mm256_mul_ps(e, _mm256_fnmadd_ps(d, e, _mm256_set1_ps(2.0f)));
  }
};
#endif

#if defined(TSHAPE_SIMD_NEON)
template <>
struct math_ops<neon> {
  using reg = float32x4_t;
  static TSHAPE_ALWAYS_INLINE reg min(reg a, reg b) { return vminq_f32(a, b); }
  static TSHAPE_ALWAYS_INLINE reg max(reg a, reg b) { return vmaxq_f32(a, b); }
  static TSHAPE_ALWAYS_INLINE reg round(reg a) { return vrndnq_f32(a); }
  static TSHAPE_ALWAYS_INLINE reg pow2(reg n) {
    const int32x4_t i = vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127));
    return vreinterpretq_f32_s32(vshlq_n_s32(i, 23));
  }
  static TSHAPE_ALWAYS_INLINE reg abs(reg a) { return vabsq_f32(a); }
  static TSHAPE_ALWAYS_INLINE reg copysign(reg a, reg s) {
    return vbslq_f32(vdupq_n_u32(0x80000000u), s, a);
  }
  static TSHAPE_ALWAYS_INLINE reg select_less(reg a, reg b, reg x, reg y) { return vbslq_f32(vcltq_f32(a, b), x, y); }
  /// 1 / d for d >= 1: the 8-bit estimate and two Newton steps.
  static TSHAPE_ALWAYS_INLINE reg reciprocal(reg d) {
    reg e = vrecpeq_f32(d);
    e = vmulq_f32(e, vrecpsq_f32(d, e));
    return vmulq_f32(e, vrecpsq_f32(d, e));
  }
};
#endif

// Polynomial coefficients, fitted for relative error (least squares on Chebyshev nodes, reweighted
// towards minimax) and rounded to float.
inline constexpr float exp_c2 = 0.4999999403953552f, exp_c3 = 0.1666652113199234f, exp_c4 = 0.04166838899254799f,
                       exp_c5 = 0.008368710055947304f, exp_c6 = 0.0013814610429108143f;
// tanh(x) = x + x^3 (t0 + t1 x^2 + ... + t4 x^8) on [0, 0.55]: relative error 6.1e-9.
inline constexpr float tanh_t0 = -0.33333319425582886f, tanh_t1 = 0.13332687318325043f,
                       tanh_t2 = -0.0538623072206974f, tanh_t3 = 0.02111176773905754f,
                       tanh_t4 = -0.006330277305096388f;
inline constexpr float tanh_small = 0.55f;
// ln 2 = ln2_hi + ln2_lo, ln2_hi with few enough bits that n * ln2_hi is exact for |n| <= 127.
inline constexpr float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;

}  // namespace detail

/// e^x on every lane (x clamped to [-87, 88]).
template <class V>
TSHAPE_ALWAYS_INLINE typename V::reg exp(typename V::reg x) {
  if constexpr (std::is_same_v<V, scalar>) {
    return std::exp(x);
  } else {
    using M = detail::math_ops<V>;
    using reg = typename V::reg;
    x = M::min(M::max(x, V::broadcast(-87.0f)), V::broadcast(88.0f));
    const reg n = M::round(V::mul(x, V::broadcast(1.44269504088896341f)));
    reg r = V::fma(n, V::broadcast(-detail::ln2_hi), x);
    r = V::fma(n, V::broadcast(-detail::ln2_lo), r);
    reg p = V::fma(V::broadcast(detail::exp_c6), r, V::broadcast(detail::exp_c5));
    p = V::fma(p, r, V::broadcast(detail::exp_c4));
    p = V::fma(p, r, V::broadcast(detail::exp_c3));
    p = V::fma(p, r, V::broadcast(detail::exp_c2));
    p = V::fma(p, V::mul(r, r), V::add(r, V::broadcast(1.0f)));
    return V::mul(p, M::pow2(n));
  }
}

/// 1 / (1 + e^-x) on every lane.
template <class V>
TSHAPE_ALWAYS_INLINE typename V::reg sigmoid(typename V::reg x) {
  if constexpr (std::is_same_v<V, scalar>) {
    return x >= 0.0f ? 1.0f / (1.0f + std::exp(-x)) : std::exp(x) / (1.0f + std::exp(x));
  } else {
    using M = detail::math_ops<V>;
    const typename V::reg e = exp<V>(V::mul(x, V::broadcast(-1.0f)));
    return M::reciprocal(V::add(e, V::broadcast(1.0f)));
  }
}

/// tanh(x) on every lane.
template <class V>
TSHAPE_ALWAYS_INLINE typename V::reg tanh(typename V::reg x) {
  if constexpr (std::is_same_v<V, scalar>) {
    return std::tanh(x);
  } else {
    using M = detail::math_ops<V>;
    using reg = typename V::reg;
    const reg a = M::abs(x);
    // Large |x|: 1 - 2 / (e^2|x| + 1).
    const reg e = exp<V>(V::add(M::min(a, V::broadcast(10.0f)), M::min(a, V::broadcast(10.0f))));
    const reg large = V::fma(V::broadcast(-2.0f), M::reciprocal(V::add(e, V::broadcast(1.0f))), V::broadcast(1.0f));
    // Small |x|: the odd polynomial.
    const reg a2 = V::mul(a, a);
    reg p = V::fma(V::broadcast(detail::tanh_t4), a2, V::broadcast(detail::tanh_t3));
    p = V::fma(p, a2, V::broadcast(detail::tanh_t2));
    p = V::fma(p, a2, V::broadcast(detail::tanh_t1));
    p = V::fma(p, a2, V::broadcast(detail::tanh_t0));
    const reg small = V::fma(V::mul(p, a2), a, a);
    return M::copysign(M::select_less(a, V::broadcast(detail::tanh_small), small, large), x);
  }
}

}  // namespace tshape::kernels::simd
