// Int8 DepthwiseConv2D (TFLite's DepthwiseConvPerChannel): output channel o = c * m + j reads input
// channel c through its own kh x kw filter,
//   y[b][oy][ox][o] = clamp(zp_out + M_o(bias[o] + sum over the taps inside the image of
//                                        (x[b][iy][ix][o / m] - zp_in) * w[ky][kx][o])),
// iy = oy * sh - pad_top + ky * dh (ix likewise), M_o the fixed-point multiplier of channel o. Taps in
// the padding are skipped, as TFLite's loops skip them. Keras' (kh, kw, c, m) kernel read flat is
// TFLite's (1, kh, kw, c * m) filter, so the weights keep Keras' order.
//
// The weights are stored per tap with the channels padded to 16 (depthwise_bytes), zeros past the last
// channel, so that the vector paths load whole blocks. Paths:
//   avx2      (depth multiplier 1) 16 channels per block: x - zp_in and w widened to 16 bits. Where the
//             window lies inside the image, taps go in pairs through vpmaddwd (each channel's two
//             products summed into int32; the weights interleaved once per block, depthwise_pairs);
//             at the borders, tap by tap, the product exact in 16 bits (|x - zp| <= 255, |w| <= 127:
//             quantize() makes symmetric weights in [-127, 127], which is the precondition of this
//             kernel) and widened. The requantization 8 channels per vector (dense.hpp's).
//   avx512    (depth multiplier 1, with the Dense's AVX-512 VNNI target) the same, 16 channels in one
//             int32 vector, requantized at once and stored narrowed under a mask.
//   portable  the same blocks in plain C++, any depth multiplier.
// `depthwise_reference` is the plain twin in TFLite's loop order, on unpadded weights.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../config.hpp"
#include "../conv/geometry.hpp"
#include "dense.hpp"
#include "fixed_point.hpp"

namespace tshape::kernels::quant {

/// Bytes of depthwise weights for `taps` = kh * kw taps of `channels` output channels, padded to 16.
constexpr std::size_t depthwise_bytes(int taps, int channels) {
  return static_cast<std::size_t>(taps) * static_cast<std::size_t>(padded_units(channels));
}

/// Pads w (taps, channels), row-major, to (taps, padded_units(channels)) with zeros.
constexpr void pack_depthwise(int taps, int channels, const std::int8_t* w, std::int8_t* packed) {
  const int stride = padded_units(channels);
  for (int t = 0; t < taps; ++t)
    for (int c = 0; c < stride; ++c)
      packed[static_cast<std::size_t>(t) * stride + c] = c < channels ? w[static_cast<std::size_t>(t) * channels + c] : 0;
}

namespace detail {
/// One output value from its int32 sum of (x - zp_in) * w: bias, requantization, zp_out, clamp.
TSHAPE_ALWAYS_INLINE std::int8_t finish_centred(std::int32_t acc, int c, const requantization& q) {
  if (q.bias) acc += q.bias[c];
  acc = multiply_by_quantized_multiplier(acc, q.multiplier[c], q.shift[c]) + q.output_zero_point;
  return static_cast<std::int8_t>(acc < q.min ? q.min : acc > q.max ? q.max : acc);
}
/// The taps of output row oy (or column) inside the input: [first, last).
TSHAPE_ALWAYS_INLINE void taps_inside(int o, int stride, int pad, int dilation, int k, int extent, int& first, int& last) {
  const int origin = o * stride - pad;
  first = 0;
  while (first < k && origin + first * dilation < 0) ++first;
  last = k;
  while (last > first && origin + (last - 1) * dilation >= extent) --last;
}
}  // namespace detail

/// The plain twin: TFLite's reference loops, weights (kh, kw, c * m) unpadded. q's weight_sums is unused.
inline void depthwise_reference(const window_geometry& g, int batch, const std::int8_t* x, const std::int8_t* w,
                                const requantization& q, std::int8_t* y) {
  const int m = g.oc / g.c;
  for (int b = 0; b < batch; ++b)
    for (int oy = 0; oy < g.oh; ++oy)
      for (int ox = 0; ox < g.ow; ++ox)
        for (int ic = 0; ic < g.c; ++ic)
          for (int j = 0; j < m; ++j) {
            const int oc = ic * m + j;
            std::int32_t acc = 0;
            for (int ky = 0; ky < g.kh; ++ky)
              for (int kx = 0; kx < g.kw; ++kx) {
                const int iy = oy * g.sh - g.pad_top + ky * g.dh, ix = ox * g.sw - g.pad_left + kx * g.dw;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                const std::int32_t xv = x[((static_cast<std::size_t>(b) * g.h + iy) * g.w + ix) * g.c + ic];
                acc += (xv - q.input_zero_point) * w[(static_cast<std::size_t>(ky) * g.kw + kx) * g.oc + oc];
              }
            if (q.bias) acc += q.bias[oc];
            acc = multiply_by_quantized_multiplier(acc, q.multiplier[oc], q.shift[oc]) + q.output_zero_point;
            y[((static_cast<std::size_t>(b) * g.oh + oy) * g.ow + ox) * g.oc + oc] =
                static_cast<std::int8_t>(acc < q.min ? q.min : acc > q.max ? q.max : acc);
          }
}

/// Portable C++ on the padded weights (pack_depthwise), any depth multiplier: blocks of 16 output
/// channels, the taps inside the image found once per output row and column.
inline void depthwise_portable(const window_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                               const requantization& q, std::int8_t* y) {
  const int m = g.oc / g.c, stride = padded_units(g.oc);
  for (int b = 0; b < batch; ++b) {
    const std::int8_t* xb = x + static_cast<std::size_t>(b) * g.h * g.w * g.c;
    for (int oy = 0; oy < g.oh; ++oy) {
      int ky0, ky1;
      detail::taps_inside(oy, g.sh, g.pad_top, g.dh, g.kh, g.h, ky0, ky1);
      for (int ox = 0; ox < g.ow; ++ox) {
        int kx0, kx1;
        detail::taps_inside(ox, g.sw, g.pad_left, g.dw, g.kw, g.w, kx0, kx1);
        std::int8_t* yp = y + ((static_cast<std::size_t>(b) * g.oh + oy) * g.ow + ox) * g.oc;
        for (int c0 = 0; c0 < g.oc; c0 += channel_block) {
          const int n = g.oc - c0 < channel_block ? g.oc - c0 : channel_block;
          std::int32_t acc[channel_block] = {};
          for (int ky = ky0; ky < ky1; ++ky)
            for (int kx = kx0; kx < kx1; ++kx) {
              const int iy = oy * g.sh - g.pad_top + ky * g.dh, ix = ox * g.sw - g.pad_left + kx * g.dw;
              const std::int8_t* xp = xb + (static_cast<std::size_t>(iy) * g.w + ix) * g.c;
              const std::int8_t* wp = packed + static_cast<std::size_t>(ky * g.kw + kx) * stride + c0;
              for (int j = 0; j < n; ++j) acc[j] += (xp[(c0 + j) / m] - q.input_zero_point) * wp[j];
            }
          for (int j = 0; j < n; ++j) yp[c0 + j] = detail::finish_centred(acc[j], c0 + j, q);
        }
      }
    }
  }
}

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__AVX2__)
#define TSHAPE_QUANT_DEPTHWISE_AVX2 1
namespace detail {
/// One block of 16 channels' weights for the pixels whose window lies inside the image: the taps in
/// pairs, each channel's two weights side by side in 16 bits (vpmaddwd's pairs), channels 0-7 in `lo`
/// and 8-15 in `hi`; an odd last tap is paired with itself and a zero weight. Also each tap's offset
/// in x from the window's first tap.
struct depthwise_pairs {
  static constexpr int most_taps = 25;  // windows up to 5 x 5; larger ones take the per-tap loop
  __m256i lo[(most_taps + 1) / 2] = {}, hi[(most_taps + 1) / 2] = {};
  std::ptrdiff_t offset[most_taps + 1] = {};
  int pairs = 0;
  static constexpr bool fits(const window_geometry& g) { return g.kh * g.kw <= most_taps; }
  TSHAPE_ALWAYS_INLINE depthwise_pairs(const window_geometry& g, const std::int8_t* packed, int c0) {
    const int taps = g.kh * g.kw, stride = padded_units(g.oc);
    if (!fits(g)) return;  // pairs stays 0: the per-tap loop serves
    pairs = (taps + 1) / 2;
    for (int t = 0; t < taps; ++t)
      offset[t] = (static_cast<std::ptrdiff_t>(t / g.kw) * g.dh * g.w + static_cast<std::ptrdiff_t>(t % g.kw) * g.dw) * g.c;
    offset[taps] = offset[taps - 1];
    for (int p = 0; p < pairs; ++p) {
      alignas(32) std::int16_t l[16], h[16];
      for (int j = 0; j < 8; ++j)
        for (int k = 0; k < 2; ++k) {
          const int t = 2 * p + k;
          const std::int8_t* wt = packed + static_cast<std::size_t>(t) * stride + c0;
          l[2 * j + k] = t < taps ? wt[j] : 0;
          h[2 * j + k] = t < taps ? wt[8 + j] : 0;
        }
      lo[p] = _mm256_load_si256(reinterpret_cast<const __m256i*>(l));
      hi[p] = _mm256_load_si256(reinterpret_cast<const __m256i*>(h));
    }
  }
  /// The sums of (x - zp) * w over the window whose first tap is at x0, 16 whole channels.
  TSHAPE_ALWAYS_INLINE void sums(const std::int8_t* x0, __m256i zp, __m256i& a0, __m256i& a1) const {
    for (int p = 0; p < pairs; ++p) {
      const __m128i xa = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x0 + offset[2 * p]));
      const __m128i xb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x0 + offset[2 * p + 1]));
      const __m256i l = _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_unpacklo_epi8(xa, xb)), zp);
      const __m256i h = _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_unpackhi_epi8(xa, xb)), zp);
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(l, lo[p]));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(h, hi[p]));
    }
  }
};
}  // namespace detail
/// AVX2, depth multiplier 1 (others take the portable path): per block of 16 channels, every output
/// pixel's taps summed in two int32 vectors, then requantized 8 channels at a time.
inline void depthwise_avx2(const window_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                           const requantization& q, std::int8_t* y) {
  if (g.oc != g.c) {
    depthwise_portable(g, batch, x, packed, q, y);
    return;
  }
  const int stride = padded_units(g.oc);
  const __m256i zp = _mm256_set1_epi16(static_cast<std::int16_t>(q.input_zero_point));
  requantization centred = q;  // the sums are of x - zp_in already: nothing comes off for the zero point
  centred.weight_sums = nullptr;
  for (int c0 = 0; c0 < g.oc; c0 += channel_block) {
    const int n = g.oc - c0 < channel_block ? g.oc - c0 : channel_block;
    const detail::requant8 lo(centred, c0, n < 8 ? n : 8, 0);
    const detail::requant8 hi(centred, c0 + 8, n > 8 ? n - 8 : 0, 0);
    const detail::depthwise_pairs pw(g, packed, c0);
    const bool paired = n == channel_block && pw.pairs > 0;
    for (int b = 0; b < batch; ++b) {
      const std::int8_t* xb = x + static_cast<std::size_t>(b) * g.h * g.w * g.c + c0;
      for (int oy = 0; oy < g.oh; ++oy) {
        int ky0, ky1;
        detail::taps_inside(oy, g.sh, g.pad_top, g.dh, g.kh, g.h, ky0, ky1);
        for (int ox = 0; ox < g.ow; ++ox) {
          int kx0, kx1;
          detail::taps_inside(ox, g.sw, g.pad_left, g.dw, g.kw, g.w, kx0, kx1);
          __m256i a0 = _mm256_setzero_si256(), a1 = a0;
          if (paired && ky0 == 0 && ky1 == g.kh && kx0 == 0 && kx1 == g.kw) {  // the window inside the image
            pw.sums(xb + (static_cast<std::size_t>(oy * g.sh - g.pad_top) * g.w + (ox * g.sw - g.pad_left)) * g.c, zp, a0, a1);
          } else {
            for (int ky = ky0; ky < ky1; ++ky)
              for (int kx = kx0; kx < kx1; ++kx) {
                const int iy = oy * g.sh - g.pad_top + ky * g.dh, ix = ox * g.sw - g.pad_left + kx * g.dw;
                const std::int8_t* xp = xb + (static_cast<std::size_t>(iy) * g.w + ix) * g.c;
                __m128i xv;
                if (n == channel_block) {
                  xv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xp));
                } else {  // the last, partial block: no reading past the image
                  alignas(16) std::int8_t part[channel_block] = {};
                  std::memcpy(part, xp, static_cast<std::size_t>(n));
                  xv = _mm_load_si128(reinterpret_cast<const __m128i*>(part));
                }
                const __m256i xs = _mm256_sub_epi16(_mm256_cvtepi8_epi16(xv), zp);
                const __m256i ws = _mm256_cvtepi8_epi16(
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(packed + static_cast<std::size_t>(ky * g.kw + kx) * stride + c0)));
                const __m256i p = _mm256_mullo_epi16(xs, ws);
                a0 = _mm256_add_epi32(a0, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(p)));
                a1 = _mm256_add_epi32(a1, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(p, 1)));
              }
          }
          std::int8_t* yp = y + ((static_cast<std::size_t>(b) * g.oh + oy) * g.ow + ox) * g.oc + c0;
          detail::store8(yp, lo(a0), n < 8 ? n : 8);
          if (n > 8) detail::store8(yp + 8, hi(a1), n - 8);
        }
      }
    }
  }
}
#endif

#if defined(TSHAPE_QUANT_AVX512_VNNI)
#define TSHAPE_QUANT_DEPTHWISE_AVX512 1
/// AVX-512 (with the int8 Dense's VNNI target), depth multiplier 1: the AVX2 sums, but 16 channels in
/// one int32 vector, requantized at once (dense.hpp's requant16) and stored narrowed, masked.
inline void depthwise_avx512(const window_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                             const requantization& q, std::int8_t* y) {
  if (g.oc != g.c) {
    depthwise_portable(g, batch, x, packed, q, y);
    return;
  }
  constexpr __mmask16 all = 0xFFFF;
  const int stride = padded_units(g.oc);
  const __m256i zp = _mm256_set1_epi16(static_cast<std::int16_t>(q.input_zero_point));
  requantization centred = q;
  centred.weight_sums = nullptr;
  for (int c0 = 0; c0 < g.oc; c0 += channel_block) {
    const int n = g.oc - c0 < channel_block ? g.oc - c0 : channel_block;
    const __mmask16 k = static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
    const detail::requant16 rq(centred, c0, n, 0);
    const detail::depthwise_pairs pw(g, packed, c0);
    const bool paired = n == channel_block && pw.pairs > 0;
    for (int b = 0; b < batch; ++b) {
      const std::int8_t* xb = x + static_cast<std::size_t>(b) * g.h * g.w * g.c + c0;
      for (int oy = 0; oy < g.oh; ++oy) {
        int ky0, ky1;
        detail::taps_inside(oy, g.sh, g.pad_top, g.dh, g.kh, g.h, ky0, ky1);
        for (int ox = 0; ox < g.ow; ++ox) {
          int kx0, kx1;
          detail::taps_inside(ox, g.sw, g.pad_left, g.dw, g.kw, g.w, kx0, kx1);
          __m512i acc = _mm512_setzero_si512();
          if (paired && ky0 == 0 && ky1 == g.kh && kx0 == 0 && kx1 == g.kw) {  // the window inside the image
            __m256i a0 = _mm256_setzero_si256(), a1 = a0;
            pw.sums(xb + (static_cast<std::size_t>(oy * g.sh - g.pad_top) * g.w + (ox * g.sw - g.pad_left)) * g.c, zp, a0, a1);
            acc = _mm512_maskz_inserti64x4(static_cast<__mmask8>(0xFF),
                                           _mm512_maskz_inserti64x4(static_cast<__mmask8>(0xFF), acc, a0, 0), a1, 1);
          } else {
            for (int ky = ky0; ky < ky1; ++ky)
              for (int kx = kx0; kx < kx1; ++kx) {
                const int iy = oy * g.sh - g.pad_top + ky * g.dh, ix = ox * g.sw - g.pad_left + kx * g.dw;
                const __m128i xv = _mm_maskz_loadu_epi8(k, xb + (static_cast<std::size_t>(iy) * g.w + ix) * g.c);
                const __m256i xs = _mm256_sub_epi16(_mm256_cvtepi8_epi16(xv), zp);
                const __m256i ws = _mm256_cvtepi8_epi16(
                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(packed + static_cast<std::size_t>(ky * g.kw + kx) * stride + c0)));
                acc = _mm512_maskz_add_epi32(all, acc, _mm512_maskz_cvtepi16_epi32(all, _mm256_mullo_epi16(xs, ws)));
              }
          }
          _mm_mask_storeu_epi8(y + ((static_cast<std::size_t>(b) * g.oh + oy) * g.ow + ox) * g.oc + c0, k,
                               _mm512_maskz_cvtepi32_epi8(all, rq(acc)));
        }
      }
    }
  }
}
#endif

/// The name of the path depthwise() takes on this target (depth multiplier 1).
constexpr const char* depthwise_path() {
#if defined(TSHAPE_QUANT_DEPTHWISE_AVX512)
  return "avx512";
#elif defined(TSHAPE_QUANT_DEPTHWISE_AVX2)
  return "avx2";
#else
  return "portable";
#endif
}

/// y (batch, oh, ow, oc) = the int8 depthwise convolution of x (batch, h, w, c), padded weights.
inline void depthwise(const window_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                      const requantization& q, std::int8_t* y) {
#if defined(TSHAPE_QUANT_DEPTHWISE_AVX512)
  depthwise_avx512(g, batch, x, packed, q, y);
#elif defined(TSHAPE_QUANT_DEPTHWISE_AVX2)
  depthwise_avx2(g, batch, x, packed, q, y);
#else
  depthwise_portable(g, batch, x, packed, q, y);
#endif
}

}  // namespace tshape::kernels::quant
