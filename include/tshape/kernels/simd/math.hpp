// exp, sigmoid and tanh on whole SIMD registers, for kernels that apply them inside their loops
// (the recurrent cells: the gates of one step are a handful of registers, and calling std:: per lane
// would cost more than the step's products).
//
//   simd::exp<V>(x), simd::sigmoid<V>(x), simd::tanh<V>(x)
//
// exp: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 split in two), e^r = 1 + r + r^2 q(r) with
// q of degree 3 fitted for relative error (1.05e-7 in real arithmetic), times 2^n. Inputs are
// clamped to [-87, 88], where e^r * 2^n stays a normal float. n comes from one FMA,
// x log2(e) + 1.5 * 2^23, whose low bits are then n as an integer, and 2^n is applied by adding n to
// e^r's exponent field. Those integer operations run beside the FMAs, where vscalefps or a multiply
// by 2^n takes a slot of the FMA units; in a recurrent step the activations are bound by those units
// (bench/recurrent: an LSTM step's 10 vectors of sigmoid and tanh take about a third of the step),
// which is also why q has degree 3, not 4: one FMA less per exp, for an error of three float steps
// instead of two.
// sigmoid = 1 / (1 + e^-x), with the hardware's reciprocal estimate and a Newton step; e^-x is
// exp's own steps with the sign folded into them.
// tanh = 1 - 2 / (e^2x + 1), with a division. Near 0 this form gives up relative accuracy (1 minus
// something close to 1) but not absolute accuracy, which is what an activation needs; an odd
// polynomial near 0 and a select cost a third more, in the costliest part of a recurrent step after
// its products (bench/recurrent).
//
// Measured against std:: over [-100, 100] (tests/unit/kernels/simd_math_test.cpp, AVX-512 and AVX2):
// largest relative error exp 1.8e-7, sigmoid 2.8e-7 (three to five float steps); tanh absolute error
// 1.8e-7, relative 1.8e-7 for |x| >= 0.5. On `scalar` these are the std:: functions themselves.
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
  /// -(a * b) - c.
  static TSHAPE_ALWAYS_INLINE reg fnmsub(reg a, reg b, reg c) { return _mm512_maskz_fnmsub_ps(all, a, b, c); }
  /// p * 2^n, n held in the low bits of t (see exp): n added to p's exponent field.
  static TSHAPE_ALWAYS_INLINE reg add_exponent(reg p, reg t) {
    const __m512i e = _mm512_maskz_slli_epi32(all, _mm512_castps_si512(t), 23);
    return _mm512_castsi512_ps(_mm512_maskz_add_epi32(all, _mm512_castps_si512(p), e));
  }
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
  /// -(a * b) - c.
  static TSHAPE_ALWAYS_INLINE reg fnmsub(reg a, reg b, reg c) { return _mm256_fnmsub_ps(a, b, c); }
  /// p * 2^n, n held in the low bits of t (see exp): n added to p's exponent field.
  static TSHAPE_ALWAYS_INLINE reg add_exponent(reg p, reg t) {
    const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(t), 23);
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), e));
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
  /// -(a * b) - c.
  static TSHAPE_ALWAYS_INLINE reg fnmsub(reg a, reg b, reg c) { return vnegq_f32(vfmaq_f32(c, a, b)); }
  /// p * 2^n, n held in the low bits of t (see exp): n added to p's exponent field.
  static TSHAPE_ALWAYS_INLINE reg add_exponent(reg p, reg t) {
    const int32x4_t e = vshlq_n_s32(vreinterpretq_s32_f32(t), 23);
    return vreinterpretq_f32_s32(vaddq_s32(vreinterpretq_s32_f32(p), e));
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

// q's coefficients, fitted for the relative error of 1 + r + r^2 q(r) (least squares on Chebyshev
// nodes, reweighted towards minimax) and rounded to float.
inline constexpr float exp_c2 = 0.499992311000824f, exp_c3 = 0.16667114198207855f, exp_c4 = 0.041890114545822144f,
                       exp_c5 = 0.008312525227665901f;
// ln 2 = ln2_hi + ln2_lo, ln2_hi with few enough bits that n * ln2_hi is exact for |n| <= 127.
inline constexpr float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
inline constexpr float log2e = 1.44269504088896341f;
// 1.5 * 2^23: for |v| < 2^22, v + round_magic lies in [2^23, 2^24), where floats are the whole
// numbers; the sum is v rounded to the nearest (ties to even, as rounding instructions do), and its
// bits are round_magic's plus that whole number.
inline constexpr float round_magic = 12582912.0f;

/// e^x, or e^-x when Negate, for x (-x when Negate) already in [-87, 88].
template <class V, bool Negate>
TSHAPE_ALWAYS_INLINE typename V::reg exp_clamped(typename V::reg x) {
  using M = math_ops<V>;
  using reg = typename V::reg;
  // n = round(+-x / ln 2), in t's low bits and as a float.
  const reg t = V::fma(x, V::broadcast(Negate ? -log2e : log2e), V::broadcast(round_magic));
  const reg n = V::sub(t, V::broadcast(round_magic));
  // r = +-x - n ln 2. With Negate: -(x + n ln2_hi) - n ln2_lo, the same roundings as for -x.
  reg r;
  if constexpr (Negate) {
    r = M::fnmsub(n, V::broadcast(ln2_lo), V::fma(n, V::broadcast(ln2_hi), x));
  } else {
    r = V::fma(n, V::broadcast(-ln2_hi), x);
    r = V::fma(n, V::broadcast(-ln2_lo), r);
  }
  // e^r = 1 + (r + r^2 q(r)): the 1 added last, so that only the sum is rounded near 1.
  reg q = V::fma(V::broadcast(exp_c5), r, V::broadcast(exp_c4));
  q = V::fma(q, r, V::broadcast(exp_c3));
  q = V::fma(q, r, V::broadcast(exp_c2));
  const reg p = V::add(V::fma(q, V::mul(r, r), r), V::broadcast(1.0f));
  // e^r is in [0.70, 1.42] and |n| <= 127 with e^r >= 1 when n = -126: the result is a normal float.
  return M::add_exponent(p, t);
}

}  // namespace detail

/// e^x on every lane (x clamped to [-87, 88]).
template <class V>
TSHAPE_ALWAYS_INLINE typename V::reg exp(typename V::reg x) {
  if constexpr (std::is_same_v<V, scalar>) {
    return std::exp(x);
  } else {
    using M = detail::math_ops<V>;
    return detail::exp_clamped<V, false>(M::min(M::max(x, V::broadcast(-87.0f)), V::broadcast(88.0f)));
  }
}

/// 1 / (1 + e^-x) on every lane.
template <class V>
TSHAPE_ALWAYS_INLINE typename V::reg sigmoid(typename V::reg x) {
  if constexpr (std::is_same_v<V, scalar>) {
    return x >= 0.0f ? 1.0f / (1.0f + std::exp(-x)) : std::exp(x) / (1.0f + std::exp(x));
  } else {
    using M = detail::math_ops<V>;
    const typename V::reg e =
        detail::exp_clamped<V, true>(M::min(M::max(x, V::broadcast(-88.0f)), V::broadcast(87.0f)));  // e^-x
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
    const typename V::reg e =
        detail::exp_clamped<V, false>(M::max(M::min(V::add(x, x), V::broadcast(20.0f)), V::broadcast(-87.0f)));
    // A true division: the estimate's last bits would show where tanh is close to -1 or 1.
    return V::fma(V::broadcast(-2.0f), M::div(V::broadcast(1.0f), V::add(e, V::broadcast(1.0f))), V::broadcast(1.0f));
  }
}

}  // namespace tshape::kernels::simd
