// Int8 DepthwiseConv2D (TFLite's DepthwiseConvPerChannel): output channel o = c * m + j reads input
// channel c through its own kh x kw filter,
//   y[b][oy][ox][o] = clamp(zp_out + M_o(bias[o] + sum over the taps inside the image of
//                                        (x[b][iy][ix][o / m] - zp_in) * w[ky][kx][o])),
// iy = oy * sh - pad_top + ky * dh (ix likewise), M_o the fixed-point multiplier of channel o. Taps in
// the padding are skipped, as TFLite's loops skip them. Keras' (kh, kw, c, m) kernel read flat is
// TFLite's (1, kh, kw, c * m) filter, so the weights keep Keras' order.
//
// The weights are stored per tap with the channels padded to 16 (depthwise_bytes), zeros past the last
// channel, so that the vector paths load whole blocks. Paths (depth multiplier 1; other multipliers
// take the portable path):
//   avx512    (with the Dense's AVX-512 VNNI target; windows up to 8 x 8) per block of 16 channels and
//             output row, each input column's window rows are gathered once, 4 rows' bytes of each
//             channel side by side (vpermb), and each output pixel is kw vpdpbusd per group of 4 rows
//             against weights held in registers; a 3-row window at stride 1 serves two output rows per
//             gather. Cells outside the image hold zp_in, so that zp_in comes off once per channel
//             through the weight sums. Requantized in one 64-bit step (requant_dw16), 4 pixels narrowed
//             at once.
//   avx2      (windows up to 8 x 8) the same with rows in pairs widened to 16 bits for vpmaddwd, 8
//             channels per vector, requant_dw8.
//   neon      (aarch64) per tap, x - zp_in widened once (vsubl) into vmlal against weights widened
//             once per block; taps in the padding skipped; TFLite's NEON requantization steps.
//   portable  blocks of 16 channels in plain C++, any depth multiplier.
// `depthwise_reference` is the plain twin in TFLite's loop order, on unpadded weights. Every path is
// exact (the same integers as the reference) given quantize()'s symmetric weights in [-127, 127] and
// multipliers >= 0.
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
/// requant_dw16's one 64-bit step (see there) on 8 channels with AVX2, which has no arithmetic 64-bit
/// shift: 3 * 2^61 is added first (every value then positive, below 2^64), the logical shift leaves
/// 3 * 2^(61 - s) too many, taken off in 32 bits.
struct requant_dw8 {
  __m256i m_even, m_odd, k_even, k_odd, s_even, s_odd, round_even, round_odd, excess, left;
  bool shifts_left = false, exact = true;
  requant8 slow;
  requant_dw8(const requantization& q, int c0, int n) : slow(without_bias(q), c0, n, 0) {
    alignas(32) std::int64_t me[4] = {}, mo[4] = {}, ke[4] = {}, ko[4] = {}, se[4] = {}, so[4] = {}, re[4] = {}, ro[4] = {};
    alignas(32) std::int32_t l[8] = {}, ex[8] = {};
    TSHAPE_UNROLL
    for (int j = 0; j < 8; ++j) {
      const int shift = j < n ? q.shift[c0 + j] : 0, e = shift < 0 ? -shift : 0;
      if (e > 20) exact = false;
      l[j] = shift > 0 ? shift : 0;
      shifts_left |= shift > 0;
      const int s = 31 + (e > 20 ? 0 : e);
      const std::uint64_t k = (1ULL << 30) + (e > 0 ? 1ULL << (s - 1) : 0) +
                              static_cast<std::uint64_t>(static_cast<std::int64_t>(q.output_zero_point) * (1LL << s)) + 3 * (1ULL << 61);
      ex[j] = static_cast<std::int32_t>(static_cast<std::uint32_t>(3 * (1ULL << (61 - s))));
      (j % 2 ? mo : me)[j / 2] = j < n ? q.multiplier[c0 + j] : 0;
      (j % 2 ? ko : ke)[j / 2] = static_cast<std::int64_t>(k);
      (j % 2 ? so : se)[j / 2] = s;
      (j % 2 ? ro : re)[j / 2] = e > 0 ? 1LL << 31 : 0;
    }
    auto ld = [](const void* p) { return _mm256_load_si256(static_cast<const __m256i*>(p)); };
    m_even = ld(me), m_odd = ld(mo), k_even = ld(ke), k_odd = ld(ko), s_even = ld(se), s_odd = ld(so);
    round_even = ld(re), round_odd = ld(ro), excess = ld(ex), left = ld(l);
  }
  static TSHAPE_ALWAYS_INLINE __m256i half(__m256i x, __m256i m, __m256i k, __m256i s, __m256i round) {
    const __m256i ab = _mm256_mul_epi32(x, m);
    const __m256i t = _mm256_sub_epi64(_mm256_add_epi64(ab, k), _mm256_and_si256(_mm256_cmpgt_epi64(_mm256_setzero_si256(), ab), round));
    return _mm256_srlv_epi64(t, s);
  }
  /// 8 outputs of the sums x (bias and zero points in), zp_out added, not yet clamped.
  TSHAPE_ALWAYS_INLINE __m256i operator()(__m256i x) const {
    if (!exact) return slow(x);
    if (shifts_left) x = _mm256_sllv_epi32(x, left);
    const __m256i even = half(x, m_even, k_even, s_even, round_even);
    const __m256i odd = half(_mm256_srli_epi64(x, 32), m_odd, k_odd, s_odd, round_odd);
    return _mm256_sub_epi32(_mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA), excess);
  }
};

/// depthwise_avx2 for one block of 16 channels (n of them real, 16 if FULL); KW, KH > 0 fix the window
/// at compile time (0: read from g).
template <int KW, int KH, bool FULL>
void depthwise_avx2_block(const window_geometry& geometry, int batch, const std::int8_t* x, const std::int8_t* packed,
                          const requantization& q, int c0, int n, std::int8_t* y) {
  const window_geometry g = geometry;  // a local copy: the int8 stores to y may alias anything
  constexpr int span = 64, most = 8;  // input columns gathered at a time; rows and columns of a window
  const int kw = KW > 0 ? KW : g.kw, kh = KH > 0 ? KH : g.kh, groups = (kh + 1) / 2, stride = padded_units(g.oc);
  const int chunk = (span - g.window_w()) / g.sw + 1;
  // Weights: window rows in pairs, each channel's two weights side by side in 16 bits, channels 0-7
  // and 8-15 in separate registers (vpmaddwd's pairs); a lone last row is paired with zeros.
  __m256i w[most / 2][most][2];
  alignas(32) std::int32_t sums[channel_block] = {}, off[channel_block] = {};
  for (int gr = 0; gr < groups; ++gr)
    for (int kx = 0; kx < kw; ++kx) {
      alignas(32) std::int16_t p[2][16];
      TSHAPE_UNROLL
      for (int j = 0; j < channel_block; ++j)
        for (int r = 0; r < 2; ++r) {
          const int ky = 2 * gr + r;
          const std::int8_t v = ky < kh ? packed[static_cast<std::size_t>(ky * g.kw + kx) * stride + c0 + j] : 0;
          p[j / 8][2 * (j % 8) + r] = v;
          sums[j] += v;
        }
      w[gr][kx][0] = _mm256_load_si256(reinterpret_cast<const __m256i*>(p[0]));
      w[gr][kx][1] = _mm256_load_si256(reinterpret_cast<const __m256i*>(p[1]));
    }
  for (int j = 0; j < n; ++j) off[j] = (q.bias ? q.bias[c0 + j] : 0) - q.input_zero_point * sums[j];
  const __m256i off_lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(off));
  const __m256i off_hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(off + 8));
  const requant_dw8 rq_lo(q, c0, n < 8 ? n : 8), rq_hi(q, c0 + 8, n > 8 ? n - 8 : 0);
  const __m128i lo8 = _mm_set1_epi8(static_cast<char>(q.min)), hi8 = _mm_set1_epi8(static_cast<char>(q.max));
  const __m256i outside = _mm256_set1_epi16(static_cast<std::int16_t>(q.input_zero_point));
  alignas(16) std::int8_t zp_row[channel_block];
  for (auto& v : zp_row) v = static_cast<std::int8_t>(q.input_zero_point);
  __m256i cols[KH > 0 ? (KH + 1) / 2 : most / 2][span][2];
  for (int b = 0; b < batch; ++b) {
    const std::int8_t* xb = x + static_cast<std::size_t>(b) * g.h * g.w * g.c + c0;
    for (int oy = 0; oy < g.oh; ++oy) {
      const std::int8_t* row[most];
      std::ptrdiff_t step[most];
      for (int ky = 0; ky < 2 * groups; ++ky) {
        const int k = ky < kh ? ky : kh - 1;  // past kh: any row (zero weights)
        const int iy = oy * g.sh - g.pad_top + k * g.dh;
        const bool inside = iy >= 0 && iy < g.h;
        row[ky] = inside ? xb + static_cast<std::size_t>(iy) * g.w * g.c : zp_row;
        step[ky] = inside ? g.c : 0;
      }
      std::int8_t* yr = y + (static_cast<std::size_t>(b) * g.oh + oy) * g.ow * g.oc + c0;
      for (int ox0 = 0; ox0 < g.ow; ox0 += chunk) {
        const int ox1 = ox0 + chunk < g.ow ? ox0 + chunk : g.ow;
        const int first = ox0 * g.sw - g.pad_left, count = (ox1 - 1 - ox0) * g.sw + g.window_w();
        const int inside0 = first < 0 ? -first : 0, inside1 = first + count > g.w ? g.w - first : count;
        for (int gr = 0; gr < groups; ++gr) {
          for (int i = 0; i < inside0; ++i) cols[gr][i][0] = cols[gr][i][1] = outside;
          for (int i = inside1 > inside0 ? inside1 : inside0; i < count; ++i) cols[gr][i][0] = cols[gr][i][1] = outside;
          const std::int8_t* pa = row[2 * gr] + (first + inside0) * step[2 * gr];
          const std::int8_t* pb = row[2 * gr + 1] + (first + inside0) * step[2 * gr + 1];
          for (int i = inside0; i < inside1; ++i, pa += step[2 * gr], pb += step[2 * gr + 1]) {
            __m128i a, c;
            if (FULL) {
              a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pa));
              c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pb));
            } else {  // the last, partial block: no reading past the image
              alignas(16) std::int8_t ta[channel_block] = {}, tc[channel_block] = {};
              std::memcpy(ta, pa, static_cast<std::size_t>(n));
              std::memcpy(tc, pb, static_cast<std::size_t>(n));
              a = _mm_load_si128(reinterpret_cast<const __m128i*>(ta));
              c = _mm_load_si128(reinterpret_cast<const __m128i*>(tc));
            }
            cols[gr][i][0] = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(a, c));
            cols[gr][i][1] = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(a, c));
          }
        }
        const std::ptrdiff_t sw = g.sw, dw = g.dw;
        for (int ox = ox0; ox < ox1; ++ox) {
          __m256i a0 = off_lo, a1 = off_hi;
          for (int gr = 0; gr < groups; ++gr)
            for (int kx = 0; kx < kw; ++kx) {
              const __m256i* cv = cols[gr][(ox - ox0) * sw + kx * dw];
              a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(cv[0], w[gr][kx][0]));
              a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(cv[1], w[gr][kx][1]));
            }
          // Narrowed with saturation (packs), then clamped as bytes.
          const __m256i s16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(rq_lo(a0), rq_hi(a1)), 0xD8);
          __m128i out = _mm_packs_epi16(_mm256_castsi256_si128(s16), _mm256_extracti128_si256(s16, 1));
          out = _mm_min_epi8(_mm_max_epi8(out, lo8), hi8);
          std::int8_t* yp = yr + static_cast<std::size_t>(ox) * g.oc;
          if (FULL) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(yp), out);
          } else {
            alignas(16) std::int8_t t[channel_block];
            _mm_store_si128(reinterpret_cast<__m128i*>(t), out);
            std::memcpy(yp, t, static_cast<std::size_t>(n));
          }
        }
      }
    }
  }
}
}  // namespace detail

/// AVX2, depth multiplier 1 and windows up to 8 x 8 (others take the portable path): as the AVX-512
/// path, but window rows gathered in pairs, each channel's two bytes sign-extended side by side into
/// 16 bits (vpmaddwd's pairs), 8 channels per vector; the raw x is summed and zp_in sum(w) taken off
/// once per channel (cells outside the image hold zp_in).
inline void depthwise_avx2(const window_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                           const requantization& q, std::int8_t* y) {
  if (g.oc != g.c || g.kh > 8 || g.kw > 8 || g.window_w() > 48) {
    depthwise_portable(g, batch, x, packed, q, y);
    return;
  }
  for (int c0 = 0; c0 < g.oc; c0 += channel_block) {
    const int n = g.oc - c0 < channel_block ? g.oc - c0 : channel_block;
    const bool full = n == channel_block;
    if (g.kw == 3 && g.kh == 3)
      full ? detail::depthwise_avx2_block<3, 3, true>(g, batch, x, packed, q, c0, n, y)
           : detail::depthwise_avx2_block<3, 3, false>(g, batch, x, packed, q, c0, n, y);
    else
      full ? detail::depthwise_avx2_block<0, 0, true>(g, batch, x, packed, q, c0, n, y)
           : detail::depthwise_avx2_block<0, 0, false>(g, batch, x, packed, q, c0, n, y);
  }
}
#endif

#if defined(TSHAPE_QUANT_AVX512_VNNI)
#define TSHAPE_QUANT_DEPTHWISE_AVX512 1
namespace detail {

/// One block of 16 channels' weights as vpdpbusd wants them: for window column kx and rows 4 gr ..
/// 4 gr + 3, each channel's 4 weights side by side (zeros past kh).
struct depthwise_columns {
  static constexpr int most_rows = 8, most_cols = 8;
  __m512i w[most_rows / 4][most_cols];
  // For windows of at most 3 rows, the same weights a row lower (rows 1-3 of the group): the next
  // output row's window out of the same gathered columns (stride and dilation 1 down the image).
  __m512i w_next[most_cols];
  static constexpr bool fits(const window_geometry& g) { return g.kh <= most_rows && g.kw <= most_cols; }
  depthwise_columns(const window_geometry& g, const std::int8_t* packed, int c0, std::int32_t* sums) {
    const int stride = padded_units(g.oc);
    TSHAPE_UNROLL
    for (int j = 0; j < channel_block; ++j) sums[j] = 0;
    for (int gr = 0; gr * 4 < g.kh; ++gr)
      for (int kx = 0; kx < g.kw; ++kx) {
        alignas(64) std::int8_t b[64];
        TSHAPE_UNROLL
        for (int j = 0; j < channel_block; ++j)
          TSHAPE_UNROLL
          for (int r = 0; r < 4; ++r) {
            const int ky = gr * 4 + r;
            const std::int8_t v = ky < g.kh ? packed[static_cast<std::size_t>(ky * g.kw + kx) * stride + c0 + j] : 0;
            b[4 * j + r] = v;
            sums[j] += v;
          }
        w[gr][kx] = _mm512_load_si512(b);
        if (gr == 0 && g.kh <= 3) {
          alignas(64) std::int8_t d[64] = {};
          TSHAPE_UNROLL
          for (int j = 0; j < channel_block; ++j)
            for (int r = 1; r < 4; ++r) d[4 * j + r] = b[4 * j + r - 1];
          w_next[kx] = _mm512_load_si512(d);
        }
      }
  }
};
}  // namespace detail

namespace detail {
/// depthwise_avx512 for one block of 16 channels (n of them real, 16 if FULL); KW, KH > 0 fix the
/// window at compile time (0: read from g); SIMPLE: rq.simple().
template <int KW, int KH, bool FULL, bool SIMPLE>
void depthwise_avx512_block(const window_geometry& geometry, int batch, const std::int8_t* x, const std::int8_t* packed,
                            const requantization& q, int c0, int n, const requant_dw16& requant, std::int8_t* y) {
  // Local copies: the int8 stores to y may alias anything, which would reload these from memory.
  const window_geometry g = geometry;
  const requant_dw16 rq = requant;
  constexpr int span = 96;  // input columns gathered at a time
  constexpr __mmask16 all = 0xFFFF;
  constexpr int GROUPS = KH > 0 ? (KH + 3) / 4 : 0;
  const int kw = KW > 0 ? KW : g.kw, kh = KH > 0 ? KH : g.kh, groups = (kh + 3) / 4;
  const int chunk = (span - g.window_w()) / g.sw + 1;  // output columns per gather
  const __mmask16 k = static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
  alignas(16) std::int8_t zp_row[channel_block];
  for (auto& v : zp_row) v = static_cast<std::int8_t>(q.input_zero_point);
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i outside = _mm512_xor_si512(_mm512_set1_epi8(static_cast<char>(q.input_zero_point)), flip);
  // Byte 4 j + r of a gathered column is byte j of its row r (lane r): one vpermb with VBMI, else
  // vpermd (lane l: every row's dword l) and vpshufb (the 4 x 4 bytes of each lane transposed).
  alignas(64) std::int8_t order[64];
#if defined(__AVX512VBMI__)
  TSHAPE_UNROLL
  for (int j = 0; j < 16; ++j)
    TSHAPE_UNROLL
    for (int r = 0; r < 4; ++r) order[4 * j + r] = static_cast<std::int8_t>(16 * r + j);
#else
  TSHAPE_UNROLL
  for (int l = 0; l < 4; ++l)
    TSHAPE_UNROLL
    for (int j = 0; j < 4; ++j)
      TSHAPE_UNROLL
      for (int r = 0; r < 4; ++r) order[16 * l + 4 * j + r] = static_cast<std::int8_t>(4 * r + j);
  const __m512i dwords = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
#endif
  const __m512i transpose = _mm512_load_si512(order);
  // Four pixels' outputs packed with saturation (lane l of the packs holds channels 4l.. 4l + 3 of each
  // pixel), then each pixel's dwords brought together.
  const __m512i unpack = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
  alignas(64) std::int32_t sums[channel_block], off[channel_block] = {};
  const depthwise_columns wc(g, packed, c0, sums);
  for (int j = 0; j < n; ++j) off[j] = (q.bias ? q.bias[c0 + j] : 0) - (q.input_zero_point + 128) * sums[j];
  const __m512i offset = _mm512_load_si512(off);
  const __m512i lo8 = _mm512_set1_epi8(static_cast<char>(q.min)), hi8 = _mm512_set1_epi8(static_cast<char>(q.max));
  __m512i cols[(GROUPS > 0 ? GROUPS : 2)][span];
  for (int b = 0; b < batch; ++b) {
    const std::int8_t* xb = x + static_cast<std::size_t>(b) * g.h * g.w * g.c + c0;
    // A 3-row window moving down one row at a time: two output rows from one gather of 4 rows.
    const bool pairs = KH == 3 && g.sh == 1 && g.dh == 1;
    for (int oy = 0; oy < g.oh;) {
      const bool two = pairs && oy + 1 < g.oh;
      // Each group's rows: a row of the image, or zp_in repeated (outside it); lanes past the rows
      // used are left as they come (their weights are zero).
      const std::int8_t* row[2][4];
      std::ptrdiff_t step[2][4];
      for (int gr = 0; gr < groups; ++gr)
        TSHAPE_UNROLL
        for (int r = 0; r < 4; ++r) {
          const int ky = gr * 4 + r, iy = oy * g.sh - g.pad_top + ky * g.dh;
          const bool inside = (ky < kh || (two && ky == kh)) && iy >= 0 && iy < g.h;
          row[gr][r] = inside ? xb + static_cast<std::size_t>(iy) * g.w * g.c : zp_row;
          step[gr][r] = inside ? g.c : 0;
        }
      std::int8_t* const yr0 = y + (static_cast<std::size_t>(b) * g.oh + oy) * g.ow * g.oc + c0;
      for (int ox0 = 0; ox0 < g.ow; ox0 += chunk) {
        const int ox1 = ox0 + chunk < g.ow ? ox0 + chunk : g.ow;
        const int first = ox0 * g.sw - g.pad_left, count = (ox1 - 1 - ox0) * g.sw + g.window_w();
        // Columns left and right of the image hold zp_in; those inside are gathered.
        const int inside0 = first < 0 ? -first : 0, inside1 = first + count > g.w ? g.w - first : count;
        for (int gr = 0; gr < groups; ++gr) {
          const int rows = two ? 4 : kh - 4 * gr;
          for (int i = 0; i < inside0; ++i) cols[gr][i] = outside;
          for (int i = inside1 > inside0 ? inside1 : inside0; i < count; ++i) cols[gr][i] = outside;
          const std::int8_t* p[4];
          TSHAPE_UNROLL
          for (int r = 0; r < 4; ++r) p[r] = row[gr][r] + (first + inside0) * step[gr][r];
          for (int i = inside0; i < inside1; ++i) {
            auto load = [&](int r) {
              const __m128i v = FULL ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p[r])) : _mm_maskz_loadu_epi8(k, p[r]);
              p[r] += step[gr][r];
              return v;
            };
            __m512i v = _mm512_zextsi128_si512(load(0));
            if (rows > 1) v = _mm512_inserti32x4(v, load(1), 1);
            if (rows > 2) v = _mm512_inserti32x4(v, load(2), 2);
            if (rows > 3) v = _mm512_inserti32x4(v, load(3), 3);
#if defined(__AVX512VBMI__)
            v = _mm512_maskz_permutexvar_epi8(~__mmask64{0}, transpose, v);
#else
            v = _mm512_maskz_shuffle_epi8(~__mmask64{0}, _mm512_maskz_permutexvar_epi32(all, dwords, v), transpose);
#endif
            cols[gr][i] = _mm512_xor_si512(v, flip);
          }
        }
        const std::ptrdiff_t sw = g.sw, dw = g.dw;
        for (int half = 0; half < (two ? 2 : 1); ++half) {
          const bool next = half == 1;
          auto sum = [&](int ox, bool) {
            __m512i acc = offset;
            for (int gr = 0; gr < groups; ++gr) {
              const __m512i* c = cols[gr] + (ox - ox0) * sw;
              const __m512i* wt = next ? wc.w_next : wc.w[gr];
              for (int kx = 0; kx < kw; ++kx) acc = _mm512_dpbusd_epi32(acc, c[kx * dw], wt[kx]);
            }
            return acc;
          };
          std::int8_t* yr = yr0 + (next ? static_cast<std::size_t>(g.ow) * g.oc : 0);
          int ox = ox0;
          if (FULL)
            for (; ox + 4 <= ox1; ox += 4) {
              const __m512i ab = _mm512_packs_epi32(rq.unclamped<SIMPLE>(sum(ox, next)), rq.unclamped<SIMPLE>(sum(ox + 1, next)));
              const __m512i cd = _mm512_packs_epi32(rq.unclamped<SIMPLE>(sum(ox + 2, next)), rq.unclamped<SIMPLE>(sum(ox + 3, next)));
              __m512i v = _mm512_packs_epi16(ab, cd);
              v = _mm512_min_epi8(_mm512_max_epi8(v, lo8), hi8);
              v = _mm512_maskz_permutexvar_epi32(all, unpack, v);
              std::int8_t* yp = yr + static_cast<std::size_t>(ox) * g.oc;
              _mm_storeu_si128(reinterpret_cast<__m128i*>(yp), _mm512_maskz_extracti32x4_epi32(static_cast<__mmask8>(0xF), v, 0));
              _mm_storeu_si128(reinterpret_cast<__m128i*>(yp + g.oc), _mm512_maskz_extracti32x4_epi32(static_cast<__mmask8>(0xF), v, 1));
              _mm_storeu_si128(reinterpret_cast<__m128i*>(yp + 2 * g.oc), _mm512_maskz_extracti32x4_epi32(static_cast<__mmask8>(0xF), v, 2));
              _mm_storeu_si128(reinterpret_cast<__m128i*>(yp + 3 * g.oc), _mm512_maskz_extracti32x4_epi32(static_cast<__mmask8>(0xF), v, 3));
            }
          for (; ox < ox1; ++ox)
            _mm_mask_storeu_epi8(yr + static_cast<std::size_t>(ox) * g.oc, k, _mm512_maskz_cvtepi32_epi8(all, rq.clamped<SIMPLE>(sum(ox, next))));
        }
      }
      oy += two ? 2 : 1;
    }
  }
}
}  // namespace detail

/// AVX-512 VNNI, depth multiplier 1 and windows up to 8 x 8 (others take the portable path). Per block
/// of 16 channels and output row, each input column's (up to) 4 window rows are gathered once into one
/// register, every channel's 4 bytes side by side, x ^ 0x80 = x + 128 as u8; then every output pixel
/// is kw vpdpbusd per group of 4 rows against weights held in registers. Cells outside the image (rows
/// and columns) hold zp_in, so that the sum over the whole window of (x + 128) w, less
/// (zp_in + 128) sum(w) once per channel, is TFLite's sum over the taps inside. Requantized by
/// requant_dw16, four pixels narrowed at once with saturation and then clamped.
inline void depthwise_avx512(const window_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                             const requantization& q, std::int8_t* y) {
  if (g.oc != g.c || !detail::depthwise_columns::fits(g) || g.window_w() > 64) {
    depthwise_portable(g, batch, x, packed, q, y);
    return;
  }
  for (int c0 = 0; c0 < g.oc; c0 += channel_block) {
    const int n = g.oc - c0 < channel_block ? g.oc - c0 : channel_block;
    const detail::requant_dw16 rq(q, c0, n);
    if (g.kw == 3 && g.kh == 3 && n == channel_block && rq.simple())  // the common case, compiled for itself
      detail::depthwise_avx512_block<3, 3, true, true>(g, batch, x, packed, q, c0, n, rq, y);
    else if (n == channel_block)
      detail::depthwise_avx512_block<0, 0, true, false>(g, batch, x, packed, q, c0, n, rq, y);
    else
      detail::depthwise_avx512_block<0, 0, false, false>(g, batch, x, packed, q, c0, n, rq, y);
  }
}
#endif

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__ARM_NEON) && defined(__aarch64__)
#define TSHAPE_QUANT_DEPTHWISE_NEON 1
namespace detail {
/// TFLite's requantization of 4 int32 channels on NEON, the same integers as finish_centred():
/// vqrdmulh is SaturatingRoundingDoublingHighMul itself, and RoundingDivideByPOT is a rounding shift
/// (vrshl by -e, half up) after taking 1 off the negative values (their ties go away from zero).
struct requant4_neon {
  int32x4_t bias, multiplier, left, right;  // right = -e, e = max(-shift, 0)
  requant4_neon() = default;
  /// Channels c0.. c0 + n - 1 (n <= 4; the others give zp_out).
  requant4_neon(const requantization& q, int c0, int n) {
    alignas(16) std::int32_t b[4] = {}, m[4] = {}, l[4] = {}, r[4] = {};
    for (int j = 0; j < n && j < 4; ++j) {
      const int shift = q.shift[c0 + j];
      b[j] = q.bias ? q.bias[c0 + j] : 0;
      m[j] = q.multiplier[c0 + j];
      l[j] = shift > 0 ? shift : 0;
      r[j] = shift > 0 ? 0 : shift;
    }
    bias = vld1q_s32(b), multiplier = vld1q_s32(m), left = vld1q_s32(l), right = vld1q_s32(r);
  }
  TSHAPE_ALWAYS_INLINE int32x4_t operator()(int32x4_t acc, int32x4_t zero_point) const {
    const int32x4_t x = vshlq_s32(vaddq_s32(acc, bias), left);
    const int32x4_t h = vqrdmulhq_s32(x, multiplier);
    const int32x4_t fixup = vshrq_n_s32(vandq_s32(h, right), 31);  // -1 where h < 0 and e > 0
    return vaddq_s32(vrshlq_s32(vqaddq_s32(h, fixup), right), zero_point);
  }
};
}  // namespace detail

/// NEON (aarch64), depth multiplier 1 (others take the portable path): per block of 16 channels the
/// weights widened to 16 bits once, each tap's x - zp_in widened once (vsubl) and multiplied into four
/// int32x4 sums (vmlal); taps in the padding skipped as TFLite's loops skip them; the requantization on
/// 4 channels per vector, narrowed with saturation and clamped as bytes.
inline void depthwise_neon(const window_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                           const requantization& q, std::int8_t* y) {
  constexpr int most_taps = 64;
  if (g.oc != g.c || g.kh * g.kw > most_taps) {
    depthwise_portable(g, batch, x, packed, q, y);
    return;
  }
  const int taps = g.kh * g.kw, stride = padded_units(g.oc);
  const int8x8_t zp_in = vdup_n_s8(static_cast<std::int8_t>(q.input_zero_point));
  const int32x4_t zp_out = vdupq_n_s32(q.output_zero_point);
  const int8x16_t lo = vdupq_n_s8(static_cast<std::int8_t>(q.min)), hi = vdupq_n_s8(static_cast<std::int8_t>(q.max));
  for (int c0 = 0; c0 < g.oc; c0 += channel_block) {
    const int n = g.oc - c0 < channel_block ? g.oc - c0 : channel_block;
    int16x8_t w[most_taps][2];
    for (int t = 0; t < taps; ++t) {
      const int8x16_t wt = vld1q_s8(packed + static_cast<std::size_t>(t) * stride + c0);
      w[t][0] = vmovl_s8(vget_low_s8(wt));
      w[t][1] = vmovl_high_s8(wt);
    }
    detail::requant4_neon rq[4];
    TSHAPE_UNROLL
    for (int v = 0; v < 4; ++v) rq[v] = detail::requant4_neon(q, c0 + 4 * v, n - 4 * v);
    for (int b = 0; b < batch; ++b) {
      const std::int8_t* xb = x + static_cast<std::size_t>(b) * g.h * g.w * g.c + c0;
      for (int oy = 0; oy < g.oh; ++oy) {
        int ky0, ky1;
        detail::taps_inside(oy, g.sh, g.pad_top, g.dh, g.kh, g.h, ky0, ky1);
        for (int ox = 0; ox < g.ow; ++ox) {
          int kx0, kx1;
          detail::taps_inside(ox, g.sw, g.pad_left, g.dw, g.kw, g.w, kx0, kx1);
          int32x4_t acc[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
          for (int ky = ky0; ky < ky1; ++ky) {
            const int iy = oy * g.sh - g.pad_top + ky * g.dh;
            for (int kx = kx0; kx < kx1; ++kx) {
              const int ix = ox * g.sw - g.pad_left + kx * g.dw;
              const std::int8_t* xp = xb + (static_cast<std::size_t>(iy) * g.w + ix) * g.c;
              int8x16_t xv;
              if (n == channel_block) {
                xv = vld1q_s8(xp);
              } else {  // the last, partial block: no reading past the image
                std::int8_t part[channel_block] = {};
                std::memcpy(part, xp, static_cast<std::size_t>(n));
                xv = vld1q_s8(part);
              }
              const int16x8_t x0 = vsubl_s8(vget_low_s8(xv), zp_in), x1 = vsubl_s8(vget_high_s8(xv), zp_in);
              const int16x8_t* wt = w[ky * g.kw + kx];
              acc[0] = vmlal_s16(acc[0], vget_low_s16(x0), vget_low_s16(wt[0]));
              acc[1] = vmlal_high_s16(acc[1], x0, wt[0]);
              acc[2] = vmlal_s16(acc[2], vget_low_s16(x1), vget_low_s16(wt[1]));
              acc[3] = vmlal_high_s16(acc[3], x1, wt[1]);
            }
          }
          const int16x8_t s0 = vcombine_s16(vqmovn_s32(rq[0](acc[0], zp_out)), vqmovn_s32(rq[1](acc[1], zp_out)));
          const int16x8_t s1 = vcombine_s16(vqmovn_s32(rq[2](acc[2], zp_out)), vqmovn_s32(rq[3](acc[3], zp_out)));
          const int8x16_t out = vminq_s8(vmaxq_s8(vcombine_s8(vqmovn_s16(s0), vqmovn_s16(s1)), lo), hi);
          std::int8_t* yp = y + ((static_cast<std::size_t>(b) * g.oh + oy) * g.ow + ox) * g.oc + c0;
          if (n == channel_block) {
            vst1q_s8(yp, out);
          } else {
            std::int8_t part[channel_block];
            vst1q_s8(part, out);
            std::memcpy(yp, part, static_cast<std::size_t>(n));
          }
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
#elif defined(TSHAPE_QUANT_DEPTHWISE_NEON)
  return "neon";
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
#elif defined(TSHAPE_QUANT_DEPTHWISE_NEON)
  depthwise_neon(g, batch, x, packed, q, y);
#else
  depthwise_portable(g, batch, x, packed, q, y);
#endif
}

}  // namespace tshape::kernels::quant
