// Float rows to int8 and back at an int8 model's edges: quantize_value and dequantize_value (params.hpp)
// over many values, with the same bits, 16 (AVX-512) or 8 (AVX2) at a time.
//   quantize:   NaN is the zero point (real 0) on every path; v / scale is the same float division; rounding half away from zero is done exactly on it
//               (t = trunc(x) and x - t are exact in float); x is first held to +-1024, past which the
//               clamp to int8 decides alone.
//   dequantize: in float, (q - zero_point) has at most 9 bits, so the product is exact in double and
//               the float product rounds it once, as the double one converted to float does.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../../config.hpp"
#include "params.hpp"

#if !defined(TSHAPE_FORCE_SCALAR) && (defined(__AVX2__) || defined(__AVX512F__))
#include <immintrin.h>
#endif

namespace tshape::kernels::quant {

inline void quantize_values(const float* v, std::int8_t* q, std::ptrdiff_t n, affine p) {
  std::ptrdiff_t i = 0;
#if !defined(TSHAPE_FORCE_SCALAR) && defined(__AVX512F__) && defined(__AVX512BW__)
  {
    const __mmask16 all = 0xFFFF;
    const __m512 scale = _mm512_set1_ps(p.scale), lo = _mm512_set1_ps(-1024.0f), hi = _mm512_set1_ps(1024.0f);
    const __m512 half = _mm512_set1_ps(0.5f), minus_half = _mm512_set1_ps(-0.5f);
    const __m512i one = _mm512_set1_epi32(1), zp = _mm512_set1_epi32(p.zero_point);
    const __m512i qmin = _mm512_set1_epi32(-128), qmax = _mm512_set1_epi32(127);
    for (; i + 16 <= n; i += 16) {
      __m512 x = _mm512_maskz_div_ps(all, _mm512_loadu_ps(v + i), scale);
      x = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, x, _CMP_ORD_Q), x);  // NaN: 0, the zero point
      x = _mm512_maskz_min_ps(all, _mm512_maskz_max_ps(all, x, lo), hi);
      const __m512 t = _mm512_maskz_roundscale_ps(all, x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      const __m512 d = _mm512_maskz_sub_ps(all, x, t);
      __m512i r = _mm512_maskz_cvttps_epi32(all, t);
      r = _mm512_mask_add_epi32(r, _mm512_cmp_ps_mask(d, half, _CMP_GE_OQ), r, one);
      r = _mm512_mask_sub_epi32(r, _mm512_cmp_ps_mask(d, minus_half, _CMP_LE_OQ), r, one);
      r = _mm512_maskz_add_epi32(all, r, zp);
      r = _mm512_maskz_min_epi32(all, _mm512_maskz_max_epi32(all, r, qmin), qmax);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm512_maskz_cvtepi32_epi8(all, r));
    }
  }
#elif !defined(TSHAPE_FORCE_SCALAR) && defined(__AVX2__)
  {
    const __m256 scale = _mm256_set1_ps(p.scale), lo = _mm256_set1_ps(-1024.0f), hi = _mm256_set1_ps(1024.0f);
    const __m256 half = _mm256_set1_ps(0.5f), minus_half = _mm256_set1_ps(-0.5f);
    const __m256i zp = _mm256_set1_epi32(p.zero_point), qmin = _mm256_set1_epi32(-128), qmax = _mm256_set1_epi32(127);
    // 8 values to int32 in [-128, 127].
    auto eight = [&](const float* at) {
      __m256 x = _mm256_div_ps(_mm256_loadu_ps(at), scale);
      x = _mm256_and_ps(x, _mm256_cmp_ps(x, x, _CMP_ORD_Q));  // NaN: 0, the zero point
      x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
      const __m256 t = _mm256_round_ps(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      const __m256 d = _mm256_sub_ps(x, t);
      __m256i r = _mm256_cvttps_epi32(t);
      r = _mm256_sub_epi32(r, _mm256_castps_si256(_mm256_cmp_ps(d, half, _CMP_GE_OQ)));  // true is -1
      r = _mm256_add_epi32(r, _mm256_castps_si256(_mm256_cmp_ps(d, minus_half, _CMP_LE_OQ)));
      return _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(r, zp), qmin), qmax);
    };
    // 32 at a time, narrowed with packs (the values already fit, so nothing saturates): the four
    // divisions overlap, and the bytes leave in one store. packs works within 128-bit lanes; the
    // permutation puts the 4-byte groups back in order.
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (; i + 32 <= n; i += 32) {
      const __m256i a = _mm256_packs_epi32(eight(v + i), eight(v + i + 8));
      const __m256i b = _mm256_packs_epi32(eight(v + i + 16), eight(v + i + 24));
      const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(a, b), order);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), bytes);
    }
    for (; i + 8 <= n; i += 8) {
      const __m256i w = _mm256_packs_epi32(eight(v + i), _mm256_setzero_si256());
      const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w, _mm256_setzero_si256()), order);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(q + i), _mm256_castsi256_si128(bytes));
    }
  }
#endif
  // The rest one by one (written as a count: g++ 12 warns of overflow in `for (; i < n; ++i)` here once
  // it knows n).
  const std::ptrdiff_t rest = n - i;
  for (std::ptrdiff_t k = 0; k < rest; ++k) q[i + k] = quantize_value(v[i + k], p);
}

inline void dequantize_values(const std::int8_t* q, float* v, std::ptrdiff_t n, affine p) {
  const float scale = p.scale;
  const std::int32_t zp = p.zero_point;
  for (std::ptrdiff_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(q[i] - zp);
}

}  // namespace tshape::kernels::quant
