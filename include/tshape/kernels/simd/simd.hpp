// A thin layer over each instruction set's float vectors, so that one register-blocked kernel is
// written once and instantiated per target. Each ISA is a struct of static functions over its
// register type; `native` is the widest the compiler flags allow (config.hpp). `scalar` is always
// there: it is the portable kernel and the twin the SIMD paths are tested against.
#pragma once
#include <algorithm>
#include <cmath>

#include "../../config.hpp"

#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2)
#include <immintrin.h>
#endif
#if defined(TSHAPE_SIMD_NEON)
#include <arm_neon.h>
#endif

namespace tshape::kernels::simd {

struct scalar {
  using reg = float;
  static constexpr int width = 1;
  static constexpr const char* name = "scalar";
  static TSHAPE_ALWAYS_INLINE reg zero() { return 0.0f; }
  static TSHAPE_ALWAYS_INLINE reg broadcast(float v) { return v; }
  static TSHAPE_ALWAYS_INLINE reg load(const float* p) { return *p; }
  static TSHAPE_ALWAYS_INLINE void store(float* p, reg v) { *p = v; }
  static TSHAPE_ALWAYS_INLINE reg load_partial(const float* p, int n) { return n > 0 ? *p : 0.0f; }
  static TSHAPE_ALWAYS_INLINE void store_partial(float* p, reg v, int n) {
    if (n > 0) *p = v;
  }
  /// One rounding where the target has a fused multiply-add. Written as a * b + c there, the
  /// compiler may fuse either product of an expression such as a * b + c * d, and it chose
  /// differently for the same kernel instantiated twice (recurrent step_fixed vs step): the
  /// numbers then differed in their last bits.
  static TSHAPE_ALWAYS_INLINE reg fma(reg a, reg b, reg c) {
#if defined(__FP_FAST_FMAF)
    return std::fma(a, b, c);
#else
    return a * b + c;
#endif
  }
  static TSHAPE_ALWAYS_INLINE reg add(reg a, reg b) { return a + b; }
  static TSHAPE_ALWAYS_INLINE reg sub(reg a, reg b) { return a - b; }
  static TSHAPE_ALWAYS_INLINE reg mul(reg a, reg b) { return a * b; }
  static TSHAPE_ALWAYS_INLINE reg max(reg a, reg b) { return a > b ? a : b; }
  static TSHAPE_ALWAYS_INLINE reg min(reg a, reg b) { return a < b ? a : b; }
  /// a > b ? t : f, per lane (false where a or b is NaN).
  static TSHAPE_ALWAYS_INLINE reg select_greater(reg a, reg b, reg t, reg f) { return a > b ? t : f; }
  static TSHAPE_ALWAYS_INLINE float sum(reg a) { return a; }
};

#if defined(TSHAPE_SIMD_AVX512)
struct avx512 {
  using reg = __m512;
  static constexpr int width = 16;
  static constexpr const char* name = "avx512";
  static TSHAPE_ALWAYS_INLINE __mmask16 mask(int n) {
    return static_cast<__mmask16>(n >= 16 ? 0xFFFFu : ((1u << std::max(n, 0)) - 1u));
  }
  static TSHAPE_ALWAYS_INLINE reg zero() { return _mm512_setzero_ps(); }
  static TSHAPE_ALWAYS_INLINE reg broadcast(float v) { return _mm512_set1_ps(v); }
  static TSHAPE_ALWAYS_INLINE reg load(const float* p) { return _mm512_loadu_ps(p); }
  static TSHAPE_ALWAYS_INLINE void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
  static TSHAPE_ALWAYS_INLINE reg load_partial(const float* p, int n) { return _mm512_maskz_loadu_ps(mask(n), p); }
  static TSHAPE_ALWAYS_INLINE void store_partial(float* p, reg v, int n) { _mm512_mask_storeu_ps(p, mask(n), v); }
  static TSHAPE_ALWAYS_INLINE reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static TSHAPE_ALWAYS_INLINE reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static TSHAPE_ALWAYS_INLINE reg sub(reg a, reg b) { return _mm512_maskz_sub_ps(static_cast<__mmask16>(0xFFFF), a, b); }
  static TSHAPE_ALWAYS_INLINE reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  // The masked form: the plain one trips g++ 12's -Wmaybe-uninitialized inside its own header.
  static TSHAPE_ALWAYS_INLINE reg max(reg a, reg b) { return _mm512_maskz_max_ps(static_cast<__mmask16>(0xFFFF), a, b); }
  static TSHAPE_ALWAYS_INLINE reg min(reg a, reg b) { return _mm512_maskz_min_ps(static_cast<__mmask16>(0xFFFF), a, b); }
  static TSHAPE_ALWAYS_INLINE reg select_greater(reg a, reg b, reg t, reg f) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_GT_OQ), f, t);
  }
  static TSHAPE_ALWAYS_INLINE float sum(reg a) { return _mm512_reduce_add_ps(a); }
};
#endif

#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2)
struct avx2 {
  using reg = __m256;
  static constexpr int width = 8;
  static constexpr const char* name = "avx2";
  static TSHAPE_ALWAYS_INLINE __m256i mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static TSHAPE_ALWAYS_INLINE reg zero() { return _mm256_setzero_ps(); }
  static TSHAPE_ALWAYS_INLINE reg broadcast(float v) { return _mm256_set1_ps(v); }
  static TSHAPE_ALWAYS_INLINE reg load(const float* p) { return _mm256_loadu_ps(p); }
  static TSHAPE_ALWAYS_INLINE void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
  static TSHAPE_ALWAYS_INLINE reg load_partial(const float* p, int n) { return _mm256_maskload_ps(p, mask(n)); }
  static TSHAPE_ALWAYS_INLINE void store_partial(float* p, reg v, int n) { _mm256_maskstore_ps(p, mask(n), v); }
  static TSHAPE_ALWAYS_INLINE reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static TSHAPE_ALWAYS_INLINE reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static TSHAPE_ALWAYS_INLINE reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
  static TSHAPE_ALWAYS_INLINE reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static TSHAPE_ALWAYS_INLINE reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
  static TSHAPE_ALWAYS_INLINE reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
  static TSHAPE_ALWAYS_INLINE reg select_greater(reg a, reg b, reg t, reg f) {
    return _mm256_blendv_ps(f, t, _mm256_cmp_ps(a, b, _CMP_GT_OQ));
  }
  static TSHAPE_ALWAYS_INLINE float sum(reg a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};
#endif

#if defined(TSHAPE_SIMD_NEON)
struct neon {
  using reg = float32x4_t;
  static constexpr int width = 4;
  static constexpr const char* name = "neon";
  static TSHAPE_ALWAYS_INLINE reg zero() { return vdupq_n_f32(0.0f); }
  static TSHAPE_ALWAYS_INLINE reg broadcast(float v) { return vdupq_n_f32(v); }
  static TSHAPE_ALWAYS_INLINE reg load(const float* p) { return vld1q_f32(p); }
  static TSHAPE_ALWAYS_INLINE void store(float* p, reg v) { vst1q_f32(p, v); }
  static TSHAPE_ALWAYS_INLINE reg load_partial(const float* p, int n) {
    float tmp[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int i = 0; i < n && i < 4; ++i) tmp[i] = p[i];
    return vld1q_f32(tmp);
  }
  static TSHAPE_ALWAYS_INLINE void store_partial(float* p, reg v, int n) {
    float tmp[4];
    vst1q_f32(tmp, v);
    for (int i = 0; i < n && i < 4; ++i) p[i] = tmp[i];
  }
  static TSHAPE_ALWAYS_INLINE reg fma(reg a, reg b, reg c) { return vfmaq_f32(c, a, b); }
  static TSHAPE_ALWAYS_INLINE reg add(reg a, reg b) { return vaddq_f32(a, b); }
  static TSHAPE_ALWAYS_INLINE reg sub(reg a, reg b) { return vsubq_f32(a, b); }
  static TSHAPE_ALWAYS_INLINE reg mul(reg a, reg b) { return vmulq_f32(a, b); }
  static TSHAPE_ALWAYS_INLINE reg max(reg a, reg b) { return vmaxq_f32(a, b); }
  static TSHAPE_ALWAYS_INLINE reg min(reg a, reg b) { return vminq_f32(a, b); }
  static TSHAPE_ALWAYS_INLINE reg select_greater(reg a, reg b, reg t, reg f) { return vbslq_f32(vcgtq_f32(a, b), t, f); }
  static TSHAPE_ALWAYS_INLINE float sum(reg a) { return vaddvq_f32(a); }
};
#endif

#if defined(TSHAPE_SIMD_AVX512)
using native = avx512;
#elif defined(TSHAPE_SIMD_AVX2)
using native = avx2;
#elif defined(TSHAPE_SIMD_NEON)
using native = neon;
#else
using native = scalar;
#endif

}  // namespace tshape::kernels::simd
