// Int8 Dense (TFLite's FullyConnected, per-channel): y[r][c] = clamp(zp_out + M_c(bias[c] +
// sum_k (x[r][k] - zp_in) * w[c][k])), M_c the fixed-point multiplier of channel c (fixed_point.hpp).
//
// Weights are packed once, at quantization time, for dot products of 4 bytes: channels in blocks of
// 16, depth in groups of 4, so that one group of one block is 64 contiguous bytes,
//   packed[((block * groups + g) * 16 + c % 16) * 4 + k % 4] = w[c][k]   (zeros past `in` and `units`),
// which is one AVX-512 VNNI register, four NEON dot-product registers or four sign-extended AVX2 ones.
// The accumulation is over the raw x (zp_in is folded in through each channel's weight sum), and the
// integers are exact, so every path gives the reference's bits; the paths are:
//   avx512_vnni  vpdpbusd multiplies u8 by s8: x ^ 0x80 is x + 128 as u8, and 128 * sum(w) is taken off.
//   avx2         bytes sign-extended to 16 bits and vpmaddwd (vpmaddubsw's 16-bit sums could saturate).
//   neon         vdotq_s32 with __ARM_FEATURE_DOTPROD, else vmull_s8 + vpadalq_s16.
//   portable     the same packed loop in plain C++ (TSHAPE_FORCE_SCALAR, or no SIMD).
// `reference` is the plain twin on the unpacked (units, in) weights, as TFLite's kernel reads them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../config.hpp"
#include "fixed_point.hpp"
#include "params.hpp"

#if !defined(TSHAPE_FORCE_SCALAR) && (defined(__AVX2__) || defined(__AVX512F__))
#include <immintrin.h>
#endif
#if !defined(TSHAPE_FORCE_SCALAR) && defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace tshape::kernels::quant {

inline constexpr int channel_block = 16;
inline constexpr int depth_group = 4;
constexpr int padded_units(int units) { return (units + channel_block - 1) / channel_block * channel_block; }
constexpr int depth_groups(int in) { return (in + depth_group - 1) / depth_group; }
constexpr std::size_t packed_bytes(int in, int units) {
  return static_cast<std::size_t>(padded_units(units)) * static_cast<std::size_t>(depth_groups(in)) * depth_group;
}
constexpr std::size_t packed_index(int in, int c, int k) {
  const std::size_t block = static_cast<std::size_t>(c / channel_block), g = static_cast<std::size_t>(k / depth_group);
  return ((block * static_cast<std::size_t>(depth_groups(in)) + g) * channel_block + static_cast<std::size_t>(c % channel_block)) *
             depth_group +
         static_cast<std::size_t>(k % depth_group);
}

/// Packs w (units, in), row-major, into the layout above (packed_bytes(in, units) bytes).
constexpr void pack_weights(int in, int units, const std::int8_t* w, std::int8_t* packed) {
  for (std::size_t i = 0; i < packed_bytes(in, units); ++i) packed[i] = 0;
  for (int c = 0; c < units; ++c)
    for (int k = 0; k < in; ++k) packed[packed_index(in, c, k)] = w[static_cast<std::size_t>(c) * in + k];
}

/// What turns a channel's int32 sum into int8: per channel (units entries) and per tensor.
struct requantization {
  const std::int32_t* bias = nullptr;         // int32, scale input_scale * weight_scale[c]; may be null
  const std::int32_t* weight_sums = nullptr;  // sum_k w[c][k]
  const std::int32_t* multiplier = nullptr;
  const std::int32_t* shift = nullptr;
  std::int32_t input_zero_point = 0;
  std::int32_t output_zero_point = 0;
  std::int32_t min = -128, max = 127;  // the fused activation's range (params.hpp)
};

namespace detail {
/// Channel c's output from its dot product with the raw x (zp_in not yet taken off).
TSHAPE_ALWAYS_INLINE std::int8_t finish(std::int32_t dot, int c, const requantization& q) {
  std::int32_t acc = dot - q.input_zero_point * q.weight_sums[c] + (q.bias ? q.bias[c] : 0);
  acc = multiply_by_quantized_multiplier(acc, q.multiplier[c], q.shift[c]) + q.output_zero_point;
  return static_cast<std::int8_t>(acc < q.min ? q.min : acc > q.max ? q.max : acc);
}
/// The 4 bytes of x's depth group g, zero past `in` (their weights are zero too).
TSHAPE_ALWAYS_INLINE std::int32_t group_bytes(const std::int8_t* x, int in, int g) {
  std::int32_t d = 0;
  const int k = g * depth_group;
  std::memcpy(&d, x + k, static_cast<std::size_t>(in - k >= depth_group ? depth_group : in - k));
  return d;
}
}  // namespace detail

/// The plain twin, on unpacked weights w (units, in): TFLite's reference FullyConnectedPerChannel.
inline void reference(int rows, int in, int units, const std::int8_t* x, const std::int8_t* w,
                      const requantization& q, std::int8_t* y) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < units; ++c) {
      std::int32_t acc = q.bias ? q.bias[c] : 0;
      for (int k = 0; k < in; ++k)
        acc += (x[static_cast<std::size_t>(r) * in + k] - q.input_zero_point) * w[static_cast<std::size_t>(c) * in + k];
      acc = multiply_by_quantized_multiplier(acc, q.multiplier[c], q.shift[c]) + q.output_zero_point;
      y[static_cast<std::size_t>(r) * units + c] = static_cast<std::int8_t>(acc < q.min ? q.min : acc > q.max ? q.max : acc);
    }
}

/// Portable C++ on the packed weights.
inline void dense_portable(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed,
                           const requantization& q, std::int8_t* y) {
  const int groups = depth_groups(in);
  for (int r = 0; r < rows; ++r) {
    const std::int8_t* xr = x + static_cast<std::size_t>(r) * in;
    for (int b = 0; b * channel_block < units; ++b) {
      std::int32_t acc[channel_block] = {};
      const std::int8_t* wb = packed + static_cast<std::size_t>(b) * groups * channel_block * depth_group;
      for (int k = 0; k < in; ++k) {
        const std::int32_t xv = xr[k];
        const std::int8_t* wg = wb + (k / depth_group) * channel_block * depth_group + k % depth_group;
        for (int j = 0; j < channel_block; ++j) acc[j] += xv * wg[j * depth_group];
      }
      const int n = units - b * channel_block < channel_block ? units - b * channel_block : channel_block;
      for (int j = 0; j < n; ++j)
        y[static_cast<std::size_t>(r) * units + b * channel_block + j] = detail::finish(acc[j], b * channel_block + j, q);
    }
  }
}

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__AVX512VNNI__) && defined(__AVX512BW__)
#define TSHAPE_QUANT_AVX512_VNNI 1
/// AVX-512 VNNI: 4 rows at a time share each 64-byte weight load.
inline void dense_avx512_vnni(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed,
                              const requantization& q, std::int8_t* y) {
  const int groups = depth_groups(in);
  constexpr std::int32_t flip = static_cast<std::int32_t>(0x80808080u);  // s8 -> u8 + 128, per byte
  alignas(64) std::int32_t out[4][channel_block];
  for (int b = 0; b * channel_block < units; ++b) {
    const std::int8_t* wb = packed + static_cast<std::size_t>(b) * groups * channel_block * depth_group;
    const int c0 = b * channel_block;
    const int n = units - c0 < channel_block ? units - c0 : channel_block;
    // 128 * sum(w) comes off each channel: the dot products are of x + 128.
    alignas(64) std::int32_t offset[channel_block] = {};
    for (int j = 0; j < n; ++j) offset[j] = 128 * q.weight_sums[c0 + j];
    const __m512i off = _mm512_load_si512(offset);
    for (int r = 0; r < rows; r += 4) {
      const int m = rows - r < 4 ? rows - r : 4;
      const std::int8_t* x0 = x + static_cast<std::size_t>(r) * in;
      const std::int8_t* x1 = m > 1 ? x0 + in : x0;
      const std::int8_t* x2 = m > 2 ? x0 + 2 * in : x0;
      const std::int8_t* x3 = m > 3 ? x0 + 3 * in : x0;
      __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
      const int full = in / depth_group;
      int g = 0;
      for (; g < full; ++g) {
        const __m512i w = _mm512_loadu_si512(wb + g * channel_block * depth_group);
        std::int32_t d0, d1, d2, d3;
        std::memcpy(&d0, x0 + g * depth_group, 4);
        std::memcpy(&d1, x1 + g * depth_group, 4);
        std::memcpy(&d2, x2 + g * depth_group, 4);
        std::memcpy(&d3, x3 + g * depth_group, 4);
        a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(d0 ^ flip), w);
        a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32(d1 ^ flip), w);
        a2 = _mm512_dpbusd_epi32(a2, _mm512_set1_epi32(d2 ^ flip), w);
        a3 = _mm512_dpbusd_epi32(a3, _mm512_set1_epi32(d3 ^ flip), w);
      }
      if (g < groups) {  // the last, partial group: its missing bytes meet zero weights
        const __m512i w = _mm512_loadu_si512(wb + g * channel_block * depth_group);
        a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(detail::group_bytes(x0, in, g) ^ flip), w);
        a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32(detail::group_bytes(x1, in, g) ^ flip), w);
        a2 = _mm512_dpbusd_epi32(a2, _mm512_set1_epi32(detail::group_bytes(x2, in, g) ^ flip), w);
        a3 = _mm512_dpbusd_epi32(a3, _mm512_set1_epi32(detail::group_bytes(x3, in, g) ^ flip), w);
      }
      _mm512_store_si512(out[0], _mm512_sub_epi32(a0, off));
      _mm512_store_si512(out[1], _mm512_sub_epi32(a1, off));
      _mm512_store_si512(out[2], _mm512_sub_epi32(a2, off));
      _mm512_store_si512(out[3], _mm512_sub_epi32(a3, off));
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) y[static_cast<std::size_t>(r + i) * units + c0 + j] = detail::finish(out[i][j], c0 + j, q);
    }
  }
}
#endif

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__AVX2__)
#define TSHAPE_QUANT_AVX2 1
/// AVX2: each 16 weight bytes (4 channels x 4 depths) sign-extended to 16 bits; vpmaddwd against x's
/// 4 values repeated gives each channel's two partial sums, added at the end. Two rows at a time.
inline void dense_avx2(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed,
                       const requantization& q, std::int8_t* y) {
  const int groups = depth_groups(in);
  alignas(32) std::int32_t part[2][4][8];
  for (int b = 0; b * channel_block < units; ++b) {
    const std::int8_t* wb = packed + static_cast<std::size_t>(b) * groups * channel_block * depth_group;
    const int c0 = b * channel_block;
    const int n = units - c0 < channel_block ? units - c0 : channel_block;
    for (int r = 0; r < rows; r += 2) {
      const int m = rows - r < 2 ? rows - r : 2;
      const std::int8_t* x0 = x + static_cast<std::size_t>(r) * in;
      const std::int8_t* x1 = m > 1 ? x0 + in : x0;
      __m256i a00 = _mm256_setzero_si256(), a01 = a00, a02 = a00, a03 = a00;
      __m256i a10 = a00, a11 = a00, a12 = a00, a13 = a00;
      for (int g = 0; g < groups; ++g) {
        const std::int8_t* wg = wb + g * channel_block * depth_group;
        const __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wg)));
        const __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wg + 16)));
        const __m256i w2 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wg + 32)));
        const __m256i w3 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wg + 48)));
        // x's 4 bytes as 4 int16, repeated across the register.
        const __m256i v0 = _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(detail::group_bytes(x0, in, g))));
        const __m256i v1 = _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(detail::group_bytes(x1, in, g))));
        a00 = _mm256_add_epi32(a00, _mm256_madd_epi16(w0, v0));
        a01 = _mm256_add_epi32(a01, _mm256_madd_epi16(w1, v0));
        a02 = _mm256_add_epi32(a02, _mm256_madd_epi16(w2, v0));
        a03 = _mm256_add_epi32(a03, _mm256_madd_epi16(w3, v0));
        a10 = _mm256_add_epi32(a10, _mm256_madd_epi16(w0, v1));
        a11 = _mm256_add_epi32(a11, _mm256_madd_epi16(w1, v1));
        a12 = _mm256_add_epi32(a12, _mm256_madd_epi16(w2, v1));
        a13 = _mm256_add_epi32(a13, _mm256_madd_epi16(w3, v1));
      }
      _mm256_store_si256(reinterpret_cast<__m256i*>(part[0][0]), a00);
      _mm256_store_si256(reinterpret_cast<__m256i*>(part[0][1]), a01);
      _mm256_store_si256(reinterpret_cast<__m256i*>(part[0][2]), a02);
      _mm256_store_si256(reinterpret_cast<__m256i*>(part[0][3]), a03);
      _mm256_store_si256(reinterpret_cast<__m256i*>(part[1][0]), a10);
      _mm256_store_si256(reinterpret_cast<__m256i*>(part[1][1]), a11);
      _mm256_store_si256(reinterpret_cast<__m256i*>(part[1][2]), a12);
      _mm256_store_si256(reinterpret_cast<__m256i*>(part[1][3]), a13);
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
          const std::int32_t* p = part[i][j / 4] + 2 * (j % 4);
          y[static_cast<std::size_t>(r + i) * units + c0 + j] = detail::finish(p[0] + p[1], c0 + j, q);
        }
    }
  }
}
#endif

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__ARM_NEON) && defined(__aarch64__)
#define TSHAPE_QUANT_NEON 1
/// NEON: with the dot-product extension, vdotq_s32 sums 4 byte products per lane (4 channels per
/// register); without it, vmull_s8 multiplies 8 bytes (2 channels) into 16 bits (no overflow: at most
/// 128 * 127) and vpadalq_s16 adds pairs into each channel's two 32-bit partial sums.
inline void dense_neon(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed,
                       const requantization& q, std::int8_t* y) {
  const int groups = depth_groups(in);
  for (int b = 0; b * channel_block < units; ++b) {
    const std::int8_t* wb = packed + static_cast<std::size_t>(b) * groups * channel_block * depth_group;
    const int c0 = b * channel_block;
    const int n = units - c0 < channel_block ? units - c0 : channel_block;
    for (int r = 0; r < rows; ++r) {
      const std::int8_t* xr = x + static_cast<std::size_t>(r) * in;
      alignas(16) std::int32_t out[channel_block];
#if defined(__ARM_FEATURE_DOTPROD)
      int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
      for (int g = 0; g < groups; ++g) {
        const std::int8_t* wg = wb + g * channel_block * depth_group;
        const int8x16_t v = vreinterpretq_s8_s32(vdupq_n_s32(detail::group_bytes(xr, in, g)));
        a0 = vdotq_s32(a0, vld1q_s8(wg), v);
        a1 = vdotq_s32(a1, vld1q_s8(wg + 16), v);
        a2 = vdotq_s32(a2, vld1q_s8(wg + 32), v);
        a3 = vdotq_s32(a3, vld1q_s8(wg + 48), v);
      }
#else
      int32x4_t p[8];
      for (auto& a : p) a = vdupq_n_s32(0);
      for (int g = 0; g < groups; ++g) {
        const std::int8_t* wg = wb + g * channel_block * depth_group;
        const int8x8_t v = vreinterpret_s8_s32(vdup_n_s32(detail::group_bytes(xr, in, g)));
        for (int h = 0; h < 8; ++h) p[h] = vpadalq_s16(p[h], vmull_s8(vld1_s8(wg + 8 * h), v));
      }
      // p[h] holds channels 2h and 2h + 1, two partial sums each: pairwise adds put 4 channels in a lane each.
      const int32x4_t a0 = vpaddq_s32(p[0], p[1]), a1 = vpaddq_s32(p[2], p[3]), a2 = vpaddq_s32(p[4], p[5]),
                      a3 = vpaddq_s32(p[6], p[7]);
#endif
      vst1q_s32(out, a0);
      vst1q_s32(out + 4, a1);
      vst1q_s32(out + 8, a2);
      vst1q_s32(out + 12, a3);
      for (int j = 0; j < n; ++j) y[static_cast<std::size_t>(r) * units + c0 + j] = detail::finish(out[j], c0 + j, q);
    }
  }
}
#endif

/// The name of the path dense() takes on this target.
constexpr const char* dense_path() {
#if defined(TSHAPE_QUANT_AVX512_VNNI)
  return "avx512_vnni";
#elif defined(TSHAPE_QUANT_AVX2)
  return "avx2";
#elif defined(TSHAPE_QUANT_NEON) && defined(__ARM_FEATURE_DOTPROD)
  return "neon_dotprod";
#elif defined(TSHAPE_QUANT_NEON)
  return "neon";
#else
  return "portable";
#endif
}

/// y (rows, units) = the int8 Dense of x (rows, in) with packed weights, on the fastest path the target has.
inline void dense(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed, const requantization& q,
                  std::int8_t* y) {
#if defined(TSHAPE_QUANT_AVX512_VNNI)
  dense_avx512_vnni(rows, in, units, x, packed, q, y);
#elif defined(TSHAPE_QUANT_AVX2)
  dense_avx2(rows, in, units, x, packed, q, y);
#elif defined(TSHAPE_QUANT_NEON)
  dense_neon(rows, in, units, x, packed, q, y);
#else
  dense_portable(rows, in, units, x, packed, q, y);
#endif
}

}  // namespace tshape::kernels::quant
