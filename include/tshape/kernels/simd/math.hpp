// exp, sigmoid and tanh on whole SIMD registers, for kernels that apply them inside their loops
// (the recurrent cells: the gates of one step are a handful of registers, and calling std:: per lane
// would cost more than the step's products).
//
//   simd::exp<V>(x), simd::sigmoid<V>(x), simd::tanh<V>(x)
//
// exp: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 split in two), e^r by a degree-6 polynomial
// fitted for relative error (3.9e-9 in real arithmetic), times 2^n (AVX-512: vscalefps; else built
// in the exponent bits). Inputs are clamped to [-87, 88], where 2^n stays a normal float.
// sigmoid = 1 / (1 + e^-x), with the hardware's reciprocal estimate and a Newton step.
// tanh = 1 - 2 / (e^2x + 1), with a division. Near 0 this form gives up relative accuracy (1 minus
// something close to 1) but not absolute accuracy, which is what an activation needs; an odd
// polynomial near 0 and a select cost a third more, in the costliest part of a recurrent step after
// its products (bench/recurrent).
//
// Measured against std:: over [-100, 100] (tests/unit/kernels/simd_math_test.cpp, AVX-512 and AVX2):
// largest relative error exp 1.2e-7, sigmoid 2.1e-7 (one or two float steps); tanh absolute error
// 1.8e-7, relative 1.4e-7 for |x| >= 0.5. On `scalar` these are the std:: functions themselves.
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
  /// p * 2^n for n a whole number held as a float (one instruction here).
  static TSHAPE_ALWAYS_INLINE reg ldexp(reg p, reg n) { return _mm512_maskz_scalef_ps(all, p, n); }
  static TSHAPE_ALWAYS_INLINE reg div(reg a, reg b) { return _mm512_maskz_div_ps(all, a, b); }
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
  /// p * 2^n for n a whole number in [-126, 127] held as a float: 2^n built in the exponent bits.
  static TSHAPE_ALWAYS_INLINE reg ldexp(reg p, reg n) {
    const __m256i i = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(i, 23)));
  }
  static TSHAPE_ALWAYS_INLINE reg div(reg a, reg b) { return _mm256_div_ps(a, b); }
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
  /// p * 2^n for n a whole number in [-126, 127] held as a float: 2^n built in the exponent bits.
  static TSHAPE_ALWAYS_INLINE reg ldexp(reg p, reg n) {
    const int32x4_t i = vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127));
    return vmulq_f32(p, vreinterpretq_f32_s32(vshlq_n_s32(i, 23)));
  }
  static TSHAPE_ALWAYS_INLINE reg div(reg a, reg b) { return vdivq_f32(a, b); }
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
    return M::ldexp(p, n);
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

/// tanh(x) = 1 - 2 / (e^2x + 1) on every lane (2x clamped at 20, where tanh is 1 in float).
template <class V>
TSHAPE_ALWAYS_INLINE typename V::reg tanh(typename V::reg x) {
  if constexpr (std::is_same_v<V, scalar>) {
    return std::tanh(x);
  } else {
    using M = detail::math_ops<V>;
    const typename V::reg e = exp<V>(M::min(V::add(x, x), V::broadcast(20.0f)));
    // A true division: the estimate's last bits would show where tanh is close to -1 or 1.
    return V::fma(V::broadcast(-2.0f), M::div(V::broadcast(1.0f), V::add(e, V::broadcast(1.0f))), V::broadcast(1.0f));
  }
}

}  // namespace tshape::kernels::simd
