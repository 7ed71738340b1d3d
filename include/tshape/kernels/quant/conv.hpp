// Int8 Conv2D (TFLite's ConvPerChannel) as the int8 Dense on image patches: each output pixel's
// receptive field (kh x kw x cin, channels-last) is one row of `in` = kh * kw * cin bytes, and the
// weights, packed as the Dense packs (cout, in), are the filters in TFLite's OHWI order (Keras' HWIO
// transposed). Padding cells hold the input's zero point, so that x - zp is 0 there, exactly as the
// reference skips them. Every Dense path (dense.hpp) serves, bit-exact as it is.
// On AVX-512 VNNI the patches are not copied where a window row (kw * cin bytes) is whole 4-byte
// groups: the image is copied once padded and flipped (x ^ 0x80, the u8 that vpdpbusd takes), and each
// output pixel's dot products read its window's kh rows there, broadcast from memory, in tiles of
// pixels by blocks of 16 filters (conv2d_avx512_vnni). The integers are the same.
// Dilation (Conv1D's, or a dilated Conv2D's) spaces the taps dilation_h rows and dilation_w columns
// apart: the patches gather them; the direct path reads them where each tap's bytes are whole groups.
// A one-row undilated window (Conv1D's) takes the direct path at any depth.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dense.hpp"

namespace tshape::kernels::quant {

/// One convolution's geometry, NHWC; out_h/out_w and the top/left padding as the caller computed them
/// (Keras' 'same' puts the odd padding cell at the bottom/right, 'causal' all of it on the left).
/// A Conv1D is one row: h = 1, kh = 1.
struct conv_geometry {
  int h, w, cin, kh, kw, cout, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0, out_h, out_w;
  int dilation_h = 1, dilation_w = 1;
  constexpr int patch() const { return kh * kw * cin; }
  /// The window's extent once dilated.
  constexpr int window_h() const { return (kh - 1) * dilation_h + 1; }
  constexpr int window_w() const { return (kw - 1) * dilation_w + 1; }
  constexpr std::size_t patch_bytes() const {  // one image's patches
    return static_cast<std::size_t>(out_h) * out_w * patch();
  }
  // The part of the input the windows read, padding included: rows and columns of pixels.
  constexpr int padded_h() const { return (out_h - 1) * stride_h + window_h(); }
  constexpr int padded_w() const { return (out_w - 1) * stride_w + window_w(); }
  constexpr std::size_t padded_bytes() const { return static_cast<std::size_t>(padded_h()) * padded_w() * cin; }
  /// Output pixels per block of patches padded to whole 4-byte groups (the AVX-512 VNNI path where a
  /// window row is not whole groups): up to 64, as many as one image's unpadded patches' bytes hold.
  constexpr int block_pixels() const {
    const std::size_t fit = patch_bytes() / (static_cast<std::size_t>(depth_groups(patch())) * depth_group);
    const int most = out_h * out_w < 64 ? out_h * out_w : 64;
    return fit < 1 ? 1 : fit < static_cast<std::size_t>(most) ? static_cast<int>(fit) : most;
  }
  /// One undilated window row that is not whole 4-byte groups (a Conv1D on 1 or 3 channels): the
  /// direct path reads its last group past the window, into bytes that meet zero weights, and up to
  /// 3 bytes past the padded copy.
  constexpr bool one_ragged_row() const { return kh == 1 && dilation_w == 1 && kw * cin % 4 != 0; }
  /// The scratch conv2d() takes, on any path: one image's patches, or its padded copy (and the 3 bytes
  /// past it a ragged row reads), or a block of padded patches (a few bytes more than the patches only
  /// for a single output pixel).
  /// What the AMX path reads past the padded image: the last tile of the last output row, up to 15
  /// pixels past the row (stride_w * cin bytes each) and a window row on from the last.
  constexpr std::size_t amx_slack_bytes() const {
#if defined(TSHAPE_QUANT_AMX)
    if (dilation_w != 1 || kw * cin % depth_group != 0) return 0;  // not the AMX path's (amx_conv_fits)
    return static_cast<std::size_t>(15) * stride_w * cin + static_cast<std::size_t>(kw) * cin;
#else
    return 0;
#endif
  }
  constexpr std::size_t scratch_bytes() const {
    const std::size_t block = static_cast<std::size_t>(block_pixels()) * static_cast<std::size_t>(depth_groups(patch()) * depth_group);
    const std::size_t padded = padded_bytes() + (one_ragged_row() ? 3 : amx_slack_bytes());
    const std::size_t most = patch_bytes() > padded ? patch_bytes() : padded;
    return most > block ? most : block;
  }
};

/// One image's patches: (out_h * out_w, kh * kw * cin), padding cells at the zero point. An undilated
/// window row inside the image is kw * cin contiguous bytes of x, copied at once.
inline void im2col(const conv_geometry& g, const std::int8_t* x, std::int8_t zero_point, std::int8_t* cols) {
  const std::size_t run = static_cast<std::size_t>(g.kw) * g.cin;
  for (int oy = 0; oy < g.out_h; ++oy)
    for (int ox = 0; ox < g.out_w; ++ox) {
      const int ix0 = ox * g.stride_w - g.pad_left;
      const bool inside = g.dilation_w == 1 && ix0 >= 0 && ix0 + g.kw <= g.w;
      for (int ky = 0; ky < g.kh; ++ky) {
        const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
        std::int8_t* dst = cols + ((static_cast<std::size_t>(oy) * g.out_w + ox) * g.kh + ky) * run;
        if (iy < 0 || iy >= g.h) {
          std::memset(dst, zero_point, run);
        } else if (inside) {
          std::memcpy(dst, x + (static_cast<std::size_t>(iy) * g.w + ix0) * g.cin, run);
        } else {
          for (int kx = 0; kx < g.kw; ++kx, dst += g.cin) {
            const int ix = ix0 + kx * g.dilation_w;
            if (ix < 0 || ix >= g.w) std::memset(dst, zero_point, static_cast<std::size_t>(g.cin));
            else std::memcpy(dst, x + (static_cast<std::size_t>(iy) * g.w + ix) * g.cin, static_cast<std::size_t>(g.cin));
          }
        }
      }
    }
}

using dense_fn = void (*)(int, int, int, const std::int8_t*, const std::int8_t*, const requantization&, std::int8_t*);

/// y (batch, out_h, out_w, cout) from x (batch, h, w, cin) through the Dense `path` (tests pass each);
/// `scratch` holds g.scratch_bytes() bytes.
inline void conv2d(const conv_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                   const requantization& q, std::int8_t* scratch, std::int8_t* y, dense_fn path) {
  const std::size_t in_image = static_cast<std::size_t>(g.h) * g.w * g.cin;
  const std::size_t out_image = static_cast<std::size_t>(g.out_h) * g.out_w * g.cout;
  for (int b = 0; b < batch; ++b) {
    im2col(g, x + b * in_image, static_cast<std::int8_t>(q.input_zero_point), scratch);
    path(g.out_h * g.out_w, g.patch(), g.cout, scratch, packed, q, y + b * out_image);
  }
}

#if defined(TSHAPE_QUANT_AVX512_VNNI)
namespace detail {
/// dst = src ^ 0x80 per byte (x + 128 as u8, what vpdpbusd multiplies), n bytes.
inline void copy_flipped(const std::int8_t* src, std::uint8_t* dst, std::size_t n, std::uint8_t flip_bits = 0x80) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(flip_bits));
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64)
    _mm512_storeu_si512(dst + i, _mm512_xor_si512(_mm512_loadu_si512(src + i), flip));
  if (i < n) {
    const __mmask64 k = (~0ULL) >> (64 - (n - i));
    _mm512_mask_storeu_epi8(dst + i, k, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, src + i), flip));
  }
}

/// One image padded with the zero point to padded_h() x padded_w() pixels (what the windows read),
/// every byte flipped (xor flip_bits: 0x80 for vpdpbusd's u8, 0 for a plain copy).
inline void pad_flipped(const conv_geometry& g, const std::int8_t* x, std::int8_t zero_point, std::uint8_t* p,
                        std::uint8_t flip_bits = 0x80) {
  const int fill = static_cast<std::uint8_t>(zero_point) ^ flip_bits;
  const int pw = g.padded_w();
  const std::size_t row = static_cast<std::size_t>(pw) * g.cin;
  // Columns c0 .. c1 - 1 of a padded row lie inside the image.
  const int c0 = g.pad_left < pw ? g.pad_left : pw;
  const int c1 = g.pad_left + g.w < pw ? g.pad_left + g.w : pw;
  for (int r = 0; r < g.padded_h(); ++r, p += row) {
    const int iy = r - g.pad_top;
    if (iy < 0 || iy >= g.h || c1 <= c0) {
      std::memset(p, fill, row);
      continue;
    }
    std::memset(p, fill, static_cast<std::size_t>(c0) * g.cin);
    copy_flipped(x + (static_cast<std::size_t>(iy) * g.w + (c0 - g.pad_left)) * g.cin, p + static_cast<std::size_t>(c0) * g.cin,
                 static_cast<std::size_t>(c1 - c0) * g.cin, flip_bits);
    std::memset(p + static_cast<std::size_t>(c1) * g.cin, fill, static_cast<std::size_t>(pw - c1) * g.cin);
  }
}

/// R output pixels by C blocks of 16 channels. Pixel i's flipped input bytes are `segments` runs of
/// 4 * seg_groups bytes from px[i], seg_stride apart (a window's rows in the padded image, or one
/// patch); the weights run on through the packed groups. Each weight load serves R pixels, each
/// broadcast (from memory: no shuffle port) C blocks. Only the first `valid` pixels are stored.
template <int R, int C>
TSHAPE_ALWAYS_INLINE void vnni_conv_tile(const std::uint8_t* const* px, int segments, std::ptrdiff_t seg_stride,
                                         std::ptrdiff_t seg_groups, const std::int8_t* wb, std::size_t block_stride,
                                         const requant16* rq, int units, int n_last, int valid, std::int8_t* y) {
  const std::uint8_t* p[R];
  TSHAPE_UNROLL
  for (int i = 0; i < R; ++i) p[i] = px[i];
  __m512i acc[R][C];  // from each channel's offset (bias and zero-point terms): one addition less per 16 outputs
  TSHAPE_UNROLL
  for (int i = 0; i < R; ++i)
    TSHAPE_UNROLL
    for (int c = 0; c < C; ++c) acc[i][c] = rq[c].offset;
  const std::int8_t* w = wb;
  for (int s = segments; s > 0; --s) {
    for (std::ptrdiff_t off = 0, left = seg_groups; left > 0; --left, off += depth_group, w += channel_block * depth_group) {
      __m512i wv[C];
      TSHAPE_UNROLL
      for (int c = 0; c < C; ++c) wv[c] = _mm512_loadu_si512(w + c * block_stride);
      TSHAPE_UNROLL
      for (int i = 0; i < R; ++i) {
        std::int32_t d;
        std::memcpy(&d, p[i] + off, 4);
        const __m512i v = _mm512_set1_epi32(d);
        TSHAPE_UNROLL
        for (int c = 0; c < C; ++c) acc[i][c] = _mm512_dpbusd_epi32(acc[i][c], v, wv[c]);
      }
    }
    TSHAPE_UNROLL
    for (int i = 0; i < R; ++i) p[i] += seg_stride;
  }
  TSHAPE_UNROLL
  for (int c = 0; c < C; ++c) {
    const int n = c + 1 == C ? n_last : channel_block;
    const __mmask16 k = static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
    TSHAPE_UNROLL
    for (int i = 0; i < R; ++i)
      if (i < valid)
        _mm_mask_storeu_epi8(y + static_cast<std::size_t>(i) * units + c * channel_block, k,
                             _mm512_maskz_cvtepi32_epi8(static_cast<__mmask16>(0xFFFF), rq[c].from_offset(acc[i][c])));
  }
}

/// C blocks of channels from c0 on, for `pixels` pixels whose inputs `at` gives, R at a time.
template <int R, int C, class At>
TSHAPE_ALWAYS_INLINE void vnni_conv_blocks(int pixels, const At& at, int segments, std::ptrdiff_t seg_stride,
                                           std::ptrdiff_t seg_groups, const std::int8_t* wb, std::size_t block_stride,
                                           const requantization& q, int units, int c0, std::int8_t* y) {
  const int n_last = units - (c0 + (C - 1) * channel_block) < channel_block ? units - (c0 + (C - 1) * channel_block) : channel_block;
  requant16 rq[C];
  TSHAPE_UNROLL
  for (int c = 0; c < C; ++c) rq[c] = requant16(q, c0 + c * channel_block, c + 1 == C ? n_last : channel_block, 128);
  for (int t = 0; t < pixels; t += R) {
    const int valid = pixels - t < R ? pixels - t : R;
    const std::uint8_t* px[R];
    TSHAPE_UNROLL
    for (int i = 0; i < R; ++i) px[i] = at(t + (i < valid ? i : valid - 1));  // past the end: the last one again
    vnni_conv_tile<R, C>(px, segments, seg_stride, seg_groups, wb, block_stride, rq, units, n_last, valid,
                         y + static_cast<std::size_t>(t) * units + c0);
  }
}

/// Every block of channels: 4 blocks at a time by 6 pixels (24 accumulators; the 4 weights and the
/// broadcast take 5 of the other 8 registers), then 2 by 8, then 1 by 8.
template <class At>
inline void vnni_conv_pixels(int pixels, const At& at, int segments, std::ptrdiff_t seg_stride, std::ptrdiff_t seg_groups,
                             const std::int8_t* packed, std::size_t block_stride, const requantization& q, int units,
                             std::int8_t* y) {
  const int blocks = (units + channel_block - 1) / channel_block;
  int b = 0;
  for (; b + 4 <= blocks; b += 4)
    vnni_conv_blocks<6, 4>(pixels, at, segments, seg_stride, seg_groups, packed + b * block_stride, block_stride, q, units,
                           b * channel_block, y);
  if (b + 2 <= blocks) {
    vnni_conv_blocks<8, 2>(pixels, at, segments, seg_stride, seg_groups, packed + b * block_stride, block_stride, q, units,
                           b * channel_block, y);
    b += 2;
  }
  if (b < blocks)
    vnni_conv_blocks<8, 1>(pixels, at, segments, seg_stride, seg_groups, packed + b * block_stride, block_stride, q, units,
                           b * channel_block, y);
}
}  // namespace detail

/// AVX-512 VNNI without patches where a window row (kw * cin bytes) is whole groups of 4: the image is
/// copied once, padded and flipped, and each output pixel reads its window's kh rows from that copy
/// (dilation_h rows apart); a one-row undilated window (Conv1D's) of any depth as one run whose last
/// group reads on past it into bytes that meet zero weights; a one-row window dilated along the row
/// reads its kw taps, each cin bytes, dilation_w pixels apart, when cin is whole groups. Otherwise
/// (cin 3 under a 3x3 window, say) patches of up to 64 pixels at a time, each padded to whole groups.
/// Tiles of pixels by blocks of channels, as dense_avx512_vnni; the same integers.
inline void conv2d_avx512_vnni(const conv_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                               const requantization& q, std::int8_t* scratch, std::int8_t* y) {
  const std::size_t in_image = static_cast<std::size_t>(g.h) * g.w * g.cin;
  const std::size_t out_image = static_cast<std::size_t>(g.out_h) * g.out_w * g.cout;
  const int groups = depth_groups(g.patch());
  const std::size_t block_stride = static_cast<std::size_t>(groups) * channel_block * depth_group;
  auto* const flipped = reinterpret_cast<std::uint8_t*>(scratch);
  const auto zp = static_cast<std::int8_t>(q.input_zero_point);
  const int pixels = g.out_h * g.out_w;
  const bool rows_whole = g.dilation_w == 1 && (g.kw * g.cin % depth_group == 0 || g.kh == 1);  // kh segments, a row each
  const bool taps_whole = g.kh == 1 && g.cin % depth_group == 0;  // kw segments, a tap each
  if (rows_whole || taps_whole) {
    const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(g.padded_w()) * g.cin;
    const auto at = [&](int pixel) {
      const int oy = g.out_h == 1 ? 0 : pixel / g.out_w, ox = pixel - oy * g.out_w;  // one row (Conv1D): no division
      return flipped + static_cast<std::ptrdiff_t>(oy) * g.stride_h * row + static_cast<std::ptrdiff_t>(ox) * g.stride_w * g.cin;
    };
    const int segments = rows_whole ? g.kh : g.kw;
    const std::ptrdiff_t seg_stride = rows_whole ? row * g.dilation_h : static_cast<std::ptrdiff_t>(g.dilation_w) * g.cin;
    const std::ptrdiff_t seg_groups = rows_whole ? depth_groups(g.kw * g.cin) : g.cin / depth_group;
    for (int b = 0; b < batch; ++b) {
      detail::pad_flipped(g, x + b * in_image, zp, flipped);
      if (g.one_ragged_row()) std::memset(flipped + g.padded_bytes(), 0, 3);  // read, times zero weights
      detail::vnni_conv_pixels(pixels, at, segments, seg_stride, seg_groups, packed, block_stride, q, g.cout, y + b * out_image);
    }
    return;
  }
  const int stride = groups * depth_group;
  const auto fill = static_cast<std::uint8_t>(static_cast<std::uint8_t>(zp) ^ 0x80);
  const int run = g.kw * g.cin;  // a window row's bytes
  const __mmask64 run_mask = run >= 64 ? ~0ULL : (1ULL << run) - 1;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
#if defined(__AVX512VBMI__)
  // A dilated window row that spans at most 64 bytes (kw taps of cin bytes, dilation_w pixels apart):
  // one load, its taps put side by side by one vpermb.
  const int span = g.window_w() * g.cin;
  const bool gather = g.dilation_w > 1 && span <= 64;
  const __mmask64 span_mask = span >= 64 ? ~0ULL : (1ULL << span) - 1;
  alignas(64) std::int8_t order[64] = {};
  for (int k = 0; gather && k < run; ++k) order[k] = static_cast<std::int8_t>((k / g.cin) * g.dilation_w * g.cin + k % g.cin);
  const __m512i taps = _mm512_load_si512(order);
#endif
  for (int b = 0; b < batch; ++b) {
    const std::int8_t* xb = x + b * in_image;
    for (int first = 0; first < pixels; first += g.block_pixels()) {
      const int n = pixels - first < g.block_pixels() ? pixels - first : g.block_pixels();
      for (int i = 0; i < n; ++i) {
        const int oy = (first + i) / g.out_w, ox = (first + i) % g.out_w;
        std::uint8_t* dst = flipped + static_cast<std::size_t>(i) * stride;
        const int ix0 = ox * g.stride_w - g.pad_left;
        const bool inside = ix0 >= 0 && ix0 + g.window_w() <= g.w;
        for (int ky = 0; ky < g.kh; ++ky) {
          const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
          if (inside && iy >= 0 && iy < g.h && g.dilation_w == 1) {  // the window row at once
            const std::int8_t* src = xb + (static_cast<std::size_t>(iy) * g.w + ix0) * g.cin;
            if (run <= 64)
              _mm512_mask_storeu_epi8(dst, run_mask, _mm512_xor_si512(_mm512_maskz_loadu_epi8(run_mask, src), flip));
            else
              detail::copy_flipped(src, dst, static_cast<std::size_t>(run));
            dst += run;
            continue;
          }
#if defined(__AVX512VBMI__)
          if (gather && inside && iy >= 0 && iy < g.h) {
            // (maskz forms: g++ 12 warns of the undefined vector the plain ones start from)
            const __m512i row = _mm512_maskz_loadu_epi8(span_mask, xb + (static_cast<std::size_t>(iy) * g.w + ix0) * g.cin);
            _mm512_mask_storeu_epi8(dst, run_mask, _mm512_xor_si512(_mm512_maskz_permutexvar_epi8(~__mmask64{0}, taps, row), flip));
            dst += run;
            continue;
          }
#endif
          for (int kx = 0; kx < g.kw; ++kx, dst += g.cin) {
            const int ix = ix0 + kx * g.dilation_w;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) std::memset(dst, fill, static_cast<std::size_t>(g.cin));
            else detail::copy_flipped(xb + (static_cast<std::size_t>(iy) * g.w + ix) * g.cin, dst, static_cast<std::size_t>(g.cin));
          }
        }
        for (int k = g.patch(); k < stride; ++k) *dst++ = 0;  // at most 3 bytes; they meet zero weights
      }
      const auto at = [&](int pixel) { return flipped + static_cast<std::size_t>(pixel) * stride; };
      detail::vnni_conv_pixels(n, at, 1, 0, groups, packed, block_stride, q, g.cout,
                               y + b * out_image + static_cast<std::size_t>(first) * g.cout);
    }
  }
}
#endif

#if defined(TSHAPE_QUANT_AMX)
namespace detail {
/// The depth groups of one A tile's rows: 16 (64 bytes), or one tap's cin bytes where cin divides 64,
/// so that no row straddles two cache lines (a row of 64 bytes starting mid-line took twice as long:
/// 32x32x32->64 70 -> 35 us).
constexpr int amx_chunk_groups(const conv_geometry& g) {
  return g.cin % depth_group == 0 && g.cin < 64 && 64 % g.cin == 0 && g.kw > 1 ? g.cin / depth_group : 16;
}
/// Pairs (C = 2) or one (C = 1) of 16-filter blocks for every output pixel of one padded image, 16
/// pixels of an output row at a time: for each window row, its bytes for 16 neighbouring pixels are
/// an A tile read straight from the padded image (rows stride_w * cin bytes apart), a chunk of up to
/// 64 bytes at a time, and the window row's depth groups of the packed weights its B tiles.
template <int C>
inline void amx_conv_blocks(const conv_geometry& g, const std::int8_t* padded, const std::int8_t* wb, std::size_t block_stride,
                            const requantization& q, int c0, std::int8_t* y) {
  const int run_groups = g.kw * g.cin / depth_group, chunk = amx_chunk_groups(g);
  const int full = run_groups / chunk, tail = run_groups % chunk;
  const std::ptrdiff_t chunk_bytes = chunk * depth_group;
  const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(g.padded_w()) * g.cin, pixel = static_cast<std::ptrdiff_t>(g.stride_w) * g.cin;
  const int n_last = g.cout - (c0 + (C - 1) * channel_block) < channel_block ? g.cout - (c0 + (C - 1) * channel_block) : channel_block;
  requant_fast16 rq[C];
  TSHAPE_UNROLL
  for (int c = 0; c < C; ++c) rq[c] = requant_fast16(q, c0 + c * channel_block, c + 1 == C ? n_last : channel_block, 0);
  // Two sets of sums, as amx_blocks.
  alignas(64) std::int32_t sums[2][C][16 * 16];
  const std::int8_t* w1 = wb + (C > 1 ? block_stride : 0);
  const int per_row = (g.out_w + 15) / 16, tiles = g.out_h * per_row;
  auto finish = [&](int t) {
    const int oy = t / per_row, ox = (t - oy * per_row) * 16;
    const int valid = g.out_w - ox < 16 ? g.out_w - ox : 16;
    amx_requantize<C>(sums[t & 1], rq, valid, n_last, y + (static_cast<std::size_t>(oy) * g.out_w + ox) * g.cout + c0,
                      static_cast<std::size_t>(g.cout));
  };
  for (int t = 0; t < tiles; ++t) {
    const int oy = t / per_row, ox = (t - oy * per_row) * 16;
    const std::int8_t* window = padded + static_cast<std::ptrdiff_t>(oy) * g.stride_h * row + ox * pixel;
    _tile_zero(0);
    if constexpr (C > 1) _tile_zero(1);
    for (int ky = 0; ky < g.kh; ++ky) {
      const std::int8_t* a = window + static_cast<std::ptrdiff_t>(ky) * g.dilation_h * row;
      const std::size_t groups0 = static_cast<std::size_t>(ky) * run_groups;
      for (int s = 0; s < full; ++s) {
        const std::size_t w_off = (groups0 + static_cast<std::size_t>(s) * chunk) * channel_block * depth_group;
        amx_products<false, C>(a + s * chunk_bytes, pixel, wb + w_off, w1 + w_off);
      }
      if (tail > 0) {
        const std::size_t w_off = (groups0 + static_cast<std::size_t>(full) * chunk) * channel_block * depth_group;
        amx_products<true, C>(a + full * chunk_bytes, pixel, wb + w_off, w1 + w_off);
      }
    }
    if (t > 0) finish(t - 1);
    _tile_stored(0, sums[t & 1][0], 64);
    if constexpr (C > 1) _tile_stored(1, sums[t & 1][C - 1], 64);
  }
  if (tiles > 0) finish(tiles - 1);
}
}  // namespace detail

/// Whether conv2d_amx takes a geometry: window rows of whole depth groups, undilated along the row.
constexpr bool amx_conv_fits(const conv_geometry& g) { return g.dilation_w == 1 && g.kw * g.cin % depth_group == 0; }

/// AMX without patches (amx_conv_fits(g); the caller checks amx_available()): each image padded once
/// into scratch (g.scratch_bytes()), then 16 pixels of an output row by two blocks of 16 filters a
/// tile. The last block of a row reads up to 15 pixels past it (amx_slack_bytes), whose sums are
/// not stored.
inline void conv2d_amx(const conv_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed, const requantization& q,
                       std::int8_t* scratch, std::int8_t* y) {
  const std::size_t in_image = static_cast<std::size_t>(g.h) * g.w * g.cin;
  const std::size_t out_image = static_cast<std::size_t>(g.out_h) * g.out_w * g.cout;
  const std::size_t block_stride = static_cast<std::size_t>(depth_groups(g.patch())) * channel_block * depth_group;
  const int blocks = (g.cout + channel_block - 1) / channel_block;
  const int chunk = detail::amx_chunk_groups(g);
  const detail::amx_config config(chunk, g.kw * g.cin / depth_group % chunk);
  for (int b = 0; b < batch; ++b) {
    detail::pad_flipped(g, x + b * in_image, static_cast<std::int8_t>(q.input_zero_point), reinterpret_cast<std::uint8_t*>(scratch), 0);
    std::memset(scratch + g.padded_bytes(), 0, g.amx_slack_bytes());
    _tile_loadconfig(&config);
    int c = 0;
    for (; c + 2 <= blocks; c += 2)
      detail::amx_conv_blocks<2>(g, scratch, packed + c * block_stride, block_stride, q, c * channel_block, y + b * out_image);
    if (c < blocks) detail::amx_conv_blocks<1>(g, scratch, packed + c * block_stride, block_stride, q, c * channel_block, y + b * out_image);
    _tile_release();
  }
}
#endif

/// The name of the path conv2d() takes on this target.
inline const char* conv2d_path() {
#if defined(TSHAPE_QUANT_AMX)
  return amx_available() ? "amx (direct; avx512_vnni where a window row is not whole groups)" : "avx512_vnni (direct)";
#elif defined(TSHAPE_QUANT_AVX512_VNNI)
  return "avx512_vnni (direct)";
#else
  return dense_path();
#endif
}

/// conv2d on the target's fastest path.
inline void conv2d(const conv_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                   const requantization& q, std::int8_t* scratch, std::int8_t* y) {
#if defined(TSHAPE_QUANT_AMX)
  if (amx_conv_fits(g) && amx_available())
    conv2d_amx(g, batch, x, packed, q, scratch, y);
  else
    conv2d_avx512_vnni(g, batch, x, packed, q, scratch, y);
#elif defined(TSHAPE_QUANT_AVX512_VNNI)
  conv2d_avx512_vnni(g, batch, x, packed, q, scratch, y);
#else
  conv2d(g, batch, x, packed, q, scratch, y, dense);
#endif
}

/// The plain twin: TFLite's reference ConvPerChannel loops on OHWI weights, skipping padding taps.
inline void conv2d_reference(const conv_geometry& g, int batch, const std::int8_t* x, const std::int8_t* w,
                             const requantization& q, std::int8_t* y) {
  for (int b = 0; b < batch; ++b)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int co = 0; co < g.cout; ++co) {
          std::int32_t acc = 0;
          for (int ky = 0; ky < g.kh; ++ky)
            for (int kx = 0; kx < g.kw; ++kx) {
              const int iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
              const int ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
              for (int ci = 0; ci < g.cin; ++ci)
                acc += (x[((static_cast<std::size_t>(b) * g.h + iy) * g.w + ix) * g.cin + ci] - q.input_zero_point) *
                       w[((static_cast<std::size_t>(co) * g.kh + ky) * g.kw + kx) * g.cin + ci];
            }
          if (q.bias) acc += q.bias[co];
          acc = multiply_by_quantized_multiplier(acc, q.multiplier[co], q.shift[co]) + q.output_zero_point;
          y[((static_cast<std::size_t>(b) * g.out_h + oy) * g.out_w + ox) * g.cout + co] =
              static_cast<std::int8_t>(acc < q.min ? q.min : acc > q.max ? q.max : acc);
        }
}

}  // namespace tshape::kernels::quant
