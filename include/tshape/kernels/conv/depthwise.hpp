// Depthwise convolution on NHWC data (Keras' DepthwiseConv2D), written once over a SIMD ISA (simd.hpp).
//
// Output channel o = c * m + j reads input channel c alone, through kernel (kh, kw, c, m), which read
// as (kh, kw, c * m) is indexed by o too. So with channels last, one register of output channels
// takes one register of inputs and one of weights per window cell: the kernel is vectorised across
// channels, with no broadcast and no repacking. A depth multiplier m > 1 first copies each sample
// with every input channel repeated m times (h * w * c * m floats of scratch), after which the loops
// are those of m = 1.
// A tile keeps P output pixels x NV vectors of channels in registers. The general tile loads, per
// window cell, NV weight vectors once and one input vector per pixel and vector. Windows 3 wide
// (MobileNet's 3x3, column stride 1 or 2, no column dilation) take a row tile instead: neighbouring
// pixels' windows overlap along the row, so each input vector of a window row is loaded once and
// feeds every pixel that covers it. The window cells that fall on 'same' padding are skipped (rows
// per output row, columns per pixel), so nothing is copied to pad.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "../../config.hpp"
#include "../activation/activation.hpp"
#include "../simd/simd.hpp"
#include "geometry.hpp"
#include "split.hpp"

namespace tshape::kernels::conv {

/// Register blocking of the depthwise tiles per ISA: at most nv vectors of channels; p pixels for the
/// general tile, and row_p(NV) for the tile of 3-wide windows, which also keeps 3 * NV weights.
template <class V>
struct depthwise_blocking {  // 32 registers
  static constexpr int nv = 4, p = 4;
  static constexpr int row_p(int nv_) { return nv_ >= 4 ? 4 : 8; }  // 16 sums + 12 weights, or 16 + 6, 8 + 3
};
template <>
struct depthwise_blocking<simd::scalar> {
  static constexpr int nv = 4, p = 2;
  static constexpr int row_p(int) { return 2; }
};
#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2)
template <>
struct depthwise_blocking<simd::avx2> {  // 16 registers
  static constexpr int nv = 2, p = 4;
  static constexpr int row_p(int nv_) { return nv_ >= 2 ? 3 : 6; }  // 6 sums + 6 weights, or 6 + 3
};
#endif

/// The depth multiplier of a depthwise geometry: g.oc = g.c * m.
constexpr int depth_multiplier(const window_geometry& g) { return g.oc / g.c; }

/// Floats of working memory depthwise<V> needs: one sample with its channels repeated m times (m > 1).
constexpr std::size_t depthwise_scratch_floats(const window_geometry& g) {
  return depth_multiplier(g) > 1 ? (static_cast<std::size_t>(g.h) * g.w * g.oc + 15) / 16 * 16 : 0;
}

namespace detail {

TSHAPE_ALWAYS_INLINE void prefetch_read(const float* p) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 0, 3);
#else
  (void)p;
#endif
}
TSHAPE_ALWAYS_INLINE void prefetch_write(float* p) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 1, 3);
#else
  (void)p;
#endif
}

// One tile: x is the (channel-expanded) sample at the tile's first channel, w and bias the kernel's and
// the bias' at that channel (bias may be null), y the first pixel's output at that channel.
struct depthwise_tile_args {
  const float* x;
  const float* w;
  const float* bias;
  float* y;
  std::ptrdiff_t channels;  // floats per pixel, in the expanded input and in the output (g.oc)
  std::ptrdiff_t row_stride;  // floats per input row
  int top, left;            // the input row and column under window cell (0, 0) of the first pixel
  int a0, a1, b0, b1;       // the window rows and columns on real input
  int tail;                 // Tail tiles: channels in their last vector
  // Floats from this sample's input and output to the next sample's (0: no next sample to prefetch).
  std::ptrdiff_t ahead_x, ahead_y;
};

template <class V, int P, int NV, bool Tail, class Act>
TSHAPE_ALWAYS_INLINE void depthwise_tile(const window_geometry& g, const depthwise_tile_args& t, const Act& act) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  // The last vector of a Tail tile holds t.tail channels: partial loads and stores there, so that no
  // read or write passes the row's end.
  // (v is a constant once the loops are unrolled, so the test folds away.)
  auto load = [&](const float* p, int v) { return Tail && v == NV - 1 ? V::load_partial(p, t.tail) : V::load(p); };
  reg acc[P][NV];
  TSHAPE_UNROLL
  for (int v = 0; v < NV; ++v) {
    const reg b = t.bias ? load(t.bias + v * W, v) : V::zero();
    TSHAPE_UNROLL
    for (int p = 0; p < P; ++p) acc[p][v] = b;
  }
  const std::ptrdiff_t C = t.channels, ps = static_cast<std::ptrdiff_t>(g.sw) * C;
  for (int a = t.a0; a < t.a1; ++a) {
    const float* TSHAPE_RESTRICT xr =
        t.x + static_cast<std::ptrdiff_t>(t.top + a * g.dh) * t.row_stride + static_cast<std::ptrdiff_t>(t.left) * C;
    const float* TSHAPE_RESTRICT wr = t.w + static_cast<std::ptrdiff_t>(a) * g.kw * C;
    for (int b = t.b0; b < t.b1; ++b) {
      const float* xc = xr + static_cast<std::ptrdiff_t>(b) * g.dw * C;
      reg wv[NV];
      TSHAPE_UNROLL
      for (int v = 0; v < NV; ++v) wv[v] = load(wr + b * C + v * W, v);
      TSHAPE_UNROLL
      for (int p = 0; p < P; ++p) {
        TSHAPE_UNROLL
        for (int v = 0; v < NV; ++v) acc[p][v] = V::fma(load(xc + p * ps + v * W, v), wv[v], acc[p][v]);
      }
    }
  }
  TSHAPE_UNROLL
  for (int p = 0; p < P; ++p) {
    TSHAPE_UNROLL
    for (int v = 0; v < NV; ++v) {
      const reg out = act.template apply<V>(acc[p][v]);
      float* yp = t.y + p * C + v * W;
      if (Tail && v == NV - 1)
        V::store_partial(yp, out, t.tail);
      else
        V::store(yp, out);
    }
  }
}

// The tile of a window KW wide with column stride SW and no column dilation, for any P pixels of a
// row (the border ones too, Edge: the columns on padding are skipped). The pixels' windows overlap along the row, so each input vector of a window row is loaded once and feeds every
// pixel whose window covers it ((P - 1) * SW + KW loads for KW * P multiply-adds, instead of KW * P),
// against the window row's KW * NV weights kept in registers.
template <class V, int P, int NV, int KW, int SW, bool Tail, bool Edge, class Act>
TSHAPE_ALWAYS_INLINE void depthwise_row_tile(const window_geometry& g, const depthwise_tile_args& t, const Act& act) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  auto load = [&](const float* p, int v) { return Tail && v == NV - 1 ? V::load_partial(p, t.tail) : V::load(p); };
  reg acc[P][NV];
  TSHAPE_UNROLL
  for (int v = 0; v < NV; ++v) {
    const reg b = t.bias ? load(t.bias + v * W, v) : V::zero();
    TSHAPE_UNROLL
    for (int p = 0; p < P; ++p) acc[p][v] = b;
  }
  const std::ptrdiff_t C = t.channels;
  for (int a = t.a0; a < t.a1; ++a) {
    const float* TSHAPE_RESTRICT xr = t.x + static_cast<std::ptrdiff_t>(t.top + a * g.dh) * t.row_stride;
    const float* TSHAPE_RESTRICT wr = t.w + static_cast<std::ptrdiff_t>(a) * KW * C;
    reg wv[KW][NV];
    TSHAPE_UNROLL
    for (int b = 0; b < KW; ++b) {
      TSHAPE_UNROLL
      for (int v = 0; v < NV; ++v) wv[b][v] = load(wr + b * C + v * W, v);
    }
    TSHAPE_UNROLL
    for (int col = 0; col < (P - 1) * SW + KW; ++col) {
      // Columns on 'same' padding are skipped: the tile also runs the border pixels.
      const int c = t.left + col;
      if constexpr (Edge) {
        if (c < 0 || c >= g.w) continue;
      }
      TSHAPE_UNROLL
      for (int v = 0; v < NV; ++v) {
        reg xv = load(xr + c * C + v * W, v);
        // The next sample's same input vector, on its way to the cache while this sample computes:
        // once per input row (the last window row of the output row that reads it last). Vector ISAs
        // only: the scalar tiles also run on cacheless microcontrollers, whose flash it would cost.
        if constexpr (W > 1) {
          if (t.ahead_x != 0 && a == t.a1 - 1) prefetch_read(xr + c * C + v * W + t.ahead_x);
        }
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
        // Kept in a register: else the compiler folds this load into each FMA that uses it (up to KW
        // of them), which undoes the tile's point: g++ -O2 did for 162 of a tile's 168 FMAs, -O3 for
        // 106, clang -O2 for 45. Held, L2-resident shapes ran 1.2x (g++ -O3) to 1.25x (-O2) faster.
        if constexpr (V::width > 1) asm("" : "+v"(xv));
#endif
        TSHAPE_UNROLL
        for (int p = 0; p < P; ++p) {
          const int b = col - p * SW;
          if (b >= 0 && b < KW) acc[p][v] = V::fma(xv, wv[b][v], acc[p][v]);
        }
      }
    }
  }
  TSHAPE_UNROLL
  for (int p = 0; p < P; ++p) {
    TSHAPE_UNROLL
    for (int v = 0; v < NV; ++v) {
      const reg out = act.template apply<V>(acc[p][v]);
      float* yp = t.y + p * C + v * W;
      if (Tail && v == NV - 1)
        V::store_partial(yp, out, t.tail);
      else
        V::store(yp, out);
      if constexpr (W > 1) {
        if (t.ahead_y != 0) prefetch_write(yp + t.ahead_y);
      }
    }
  }
}

// The row tile for the last n < P pixels of a row (N down to 1).
template <class V, int N, int NV, int KW, int SW, bool Tail, class Act>
TSHAPE_ALWAYS_INLINE void depthwise_row_tile_rest(int n, const window_geometry& g, const depthwise_tile_args& t,
                                                  const Act& act) {
  if constexpr (N > 1) {
    if (n < N) return depthwise_row_tile_rest<V, N - 1, NV, KW, SW, Tail>(n, g, t, act);
  }
  depthwise_row_tile<V, N, NV, KW, SW, Tail, true>(g, t, act);
}

// The window columns [b0, b1) of an output column whose window starts at input column `left`.
struct col_range {
  int b0, b1;
};
inline col_range window_cols(const window_geometry& g, int left) {
  const int b0 = left >= 0 ? 0 : (-left + g.dw - 1) / g.dw;
  const int last = g.w - 1 - left;
  const int b1 = last < 0 ? 0 : std::min(g.kw, last / g.dw + 1);
  return {b0, std::max(b0, b1)};
}

// Output rows [oh0, oh1) of one block of NV vectors of channels: the border pixels one by one with
// their own window columns, the interior (every window column on real input) in tiles of P pixels.
// KW > 0: the window is KW wide with column stride SW and no column dilation, and depthwise_row_tile
// runs the whole row; KW = 0: any window, the general tile (border pixels one by one).
template <class V, int NV, int KW, int SW, bool Tail, class Act>
TSHAPE_NOINLINE void depthwise_block_rows(const window_geometry& g, depthwise_tile_args t, float* ys, int oh0,
                                          int oh1, const Act& act) {
  constexpr int P = KW > 0 ? depthwise_blocking<V>::row_p(NV) : depthwise_blocking<V>::p;
  // Interior columns: j * sw - pad_left >= 0 and j * sw - pad_left + (kw - 1) * dw <= w - 1.
  const int j0 = std::min(g.ow, (g.pad_left + g.sw - 1) / g.sw);
  const int span = g.w - 1 + g.pad_left - (g.kw - 1) * g.dw;
  const int j1 = std::max(j0, span < 0 ? 0 : std::min(g.ow, span / g.sw + 1));
  for (int i = oh0; i < oh1; ++i) {
    const int top = i * g.sh - g.pad_top;
    const int a0 = top >= 0 ? 0 : (-top + g.dh - 1) / g.dh;
    const int last = g.h - 1 - top;
    const int a1 = std::max(a0, last < 0 ? 0 : std::min(g.kh, last / g.dh + 1));
    t.top = top, t.a0 = a0, t.a1 = a1;
    float* yrow = ys + static_cast<std::ptrdiff_t>(i) * g.ow * t.channels;
    if constexpr (KW > 0) {
      // The whole row in row tiles of P pixels, the rest in one narrower tile.
      int j = 0;
      for (; j + P <= g.ow; j += P) {
        t.left = j * g.sw - g.pad_left;
        t.y = yrow + j * t.channels;
        // Only the tiles at the row's ends have window columns on padding to skip.
        if (t.left < 0 || t.left + (P - 1) * SW + KW > g.w)
          depthwise_row_tile<V, P, NV, KW, SW, Tail, true>(g, t, act);
        else
          depthwise_row_tile<V, P, NV, KW, SW, Tail, false>(g, t, act);
      }
      if (j < g.ow) {
        t.left = j * g.sw - g.pad_left;
        t.y = yrow + j * t.channels;
        depthwise_row_tile_rest<V, P - 1, NV, KW, SW, Tail>(g.ow - j, g, t, act);
      }
      continue;
    }
    auto border = [&](int j) {
      t.left = j * g.sw - g.pad_left;
      const col_range c = window_cols(g, t.left);
      t.b0 = c.b0, t.b1 = c.b1;
      t.y = yrow + j * t.channels;
      depthwise_tile<V, 1, NV, Tail>(g, t, act);
    };
    for (int j = 0; j < j0; ++j) border(j);
    t.b0 = 0, t.b1 = g.kw;
    int j = j0;
    for (; j + P <= j1; j += P) {
      t.left = j * g.sw - g.pad_left;
      t.y = yrow + j * t.channels;
      depthwise_tile<V, P, NV, Tail>(g, t, act);
    }
    for (; j < j1; ++j) {
      t.left = j * g.sw - g.pad_left;
      t.y = yrow + j * t.channels;
      depthwise_tile<V, 1, NV, Tail>(g, t, act);
    }
    for (j = j1; j < g.ow; ++j) border(j);
  }
}

/// Copies one sample (h, w, c) into out (h, w, c * m), each channel repeated m times.
inline void repeat_channels(const window_geometry& g, const float* x, float* out) {
  const int m = depth_multiplier(g);
  const std::ptrdiff_t pixels = static_cast<std::ptrdiff_t>(g.h) * g.w;
  for (std::ptrdiff_t p = 0; p < pixels; ++p)
    for (int c = 0; c < g.c; ++c) {
      const float v = x[p * g.c + c];
      for (int j = 0; j < m; ++j) out[(p * g.c + c) * m + j] = v;
    }
}

}  // namespace detail

namespace detail {
// The channel blocks of rows [oh0, oh1): blocks of nv vectors, then 2 and 1, then the partial vector.
template <class V, int KW, int SW, class Act>
void depthwise_channel_blocks(const window_geometry& g, const float* xs, const float* kernel, const float* bias,
                              float* ys, int oh0, int oh1, const Act& act, std::ptrdiff_t ahead_x,
                              std::ptrdiff_t ahead_y) {
  constexpr int W = V::width, NV = depthwise_blocking<V>::nv;
  const int C = g.oc;
  depthwise_tile_args t{};
  t.ahead_x = ahead_x, t.ahead_y = ahead_y;
  t.channels = C;
  t.row_stride = static_cast<std::ptrdiff_t>(g.w) * C;
  auto at = [&](int c0) {
    depthwise_tile_args a = t;
    a.x = xs + c0, a.w = kernel + c0, a.bias = bias ? bias + c0 : nullptr;
    return a;
  };
  auto blocks = [&](int r0, int r1) {
    int c0 = 0;
    for (; c0 + NV * W <= C; c0 += NV * W) depthwise_block_rows<V, NV, KW, SW, false>(g, at(c0), ys + c0, r0, r1, act);
    if constexpr (NV > 2) {
      for (; c0 + 2 * W <= C; c0 += 2 * W) depthwise_block_rows<V, 2, KW, SW, false>(g, at(c0), ys + c0, r0, r1, act);
    }
    for (; c0 + W <= C; c0 += W) depthwise_block_rows<V, 1, KW, SW, false>(g, at(c0), ys + c0, r0, r1, act);
    if (c0 < C) {
      depthwise_tile_args a = at(c0);
      a.tail = C - c0;
      depthwise_block_rows<V, 1, KW, SW, true>(g, a, ys + c0, r0, r1, act);
    }
  };
  // Block by block, each block down all its rows; but a sample larger than a core's L2 with several
  // blocks and row stride 1 (MobileNet's 56x56x144: 1.8 MB) runs row by row, every block of a row
  // before the next, so that the input rows a window spans are still cached for the next output row:
  // 0.75 -> 0.85 of oneDNN's speed there (bench/depthwise), while smaller samples, stride 2 and single
  // blocks gained nothing or lost to the extra calls. So does a small sample in a batch that streams
  // from memory (the next one prefetched, ahead_x): row by row it is read in order, a block at a
  // time it is read a few lines per pixel: 32x7x7x960 went from 0.53-0.54x to 0.71-0.79x of oneDNN.
  if ((g.input_floats() * sizeof(float) > (std::size_t{1} << 20) || ahead_x != 0) && g.sh == 1 && C > NV * W)
    for (int i = oh0; i < oh1; ++i) blocks(i, i + 1);
  else
    blocks(oh0, oh1);
}

/// What the row tiles prefetch while the sample at ys runs: the next sample's input and output (floats
/// ahead), when there is a next sample, it is read in place (m = 1, not repeat_channels' copy) and two
/// samples' input and output fit in a core's L2 (taken as 1 MiB, as above). A batch of small maps and
/// many channels is a stream from memory that the hardware prefetchers do not see coming (a block of
/// channels reads a few lines of every pixel): MobileNetV2's 7x7x960 at batch 32 ran 1.3x faster so
/// (one thread, medians of CPU time against the same samples one call each); larger samples
/// (14x14x384, 28x28x192 s2) ran 7% slower, the prefetched lines evicting the current sample's.
struct prefetch_ahead {
  std::ptrdiff_t x, y;
};
/// The sample's place as floats from the batch's start (negative or far for repeat_channels' copy,
/// another buffer). Addresses, not pointers: pointers into memory not yet written (an arena) passed
/// as `const float*` read as reads to g++'s -Wmaybe-uninitialized once inlined.
inline std::ptrdiff_t floats_after(const float* base, const float* p) {
  return static_cast<std::ptrdiff_t>(reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(base)) /
         static_cast<std::ptrdiff_t>(sizeof(float));
}
template <class V>
prefetch_ahead next_sample(const window_geometry& g, std::ptrdiff_t at_x, std::ptrdiff_t at_y, int batch) {
  if constexpr (V::width == 1) return {0, 0};  // the scalar tiles do not prefetch (see depthwise_row_tile)
  const auto in = static_cast<std::ptrdiff_t>(g.input_floats()), out = static_cast<std::ptrdiff_t>(g.output_floats());
  const bool fits = 2 * (in + out) * static_cast<std::ptrdiff_t>(sizeof(float)) <= (std::ptrdiff_t{1} << 20);
  if (!fits || at_x < 0 || at_x >= batch * in || at_y + out >= batch * out) return {0, 0};
  return {in, out};
}

/// The interior tile a geometry runs: 3-wide windows without column dilation and with column stride 1
/// or 2 (MobileNet's) reuse each input across the pixels of a row.
constexpr int row_tile_width(const window_geometry& g) { return g.kw == 3 && g.dw == 1 && g.sw <= 2 ? 3 : 0; }
}  // namespace detail

/// Output rows [oh0, oh1) of one sample; xs has g.oc channels (the sample itself when m = 1, else
/// repeat_channels' copy). Act must be vectorized.
template <class V, class Act>
void depthwise_rows(const window_geometry& g, const float* xs, const float* kernel, const float* bias, float* ys,
                    int oh0, int oh1, const Act& act, std::ptrdiff_t ahead_x = 0, std::ptrdiff_t ahead_y = 0) {
  if (detail::row_tile_width(g) == 3 && g.sw == 1)
    detail::depthwise_channel_blocks<V, 3, 1>(g, xs, kernel, bias, ys, oh0, oh1, act, ahead_x, ahead_y);
  else if (detail::row_tile_width(g) == 3)
    detail::depthwise_channel_blocks<V, 3, 2>(g, xs, kernel, bias, ys, oh0, oh1, act, ahead_x, ahead_y);
  else
    detail::depthwise_channel_blocks<V, 0, 0>(g, xs, kernel, bias, ys, oh0, oh1, act, ahead_x, ahead_y);
}

/// depthwise_rows for a geometry known at compile time (a layer's): only its tiles are compiled.
template <class V, window_geometry G, class Act>
void depthwise_rows(const float* xs, const float* kernel, const float* bias, float* ys, int oh0, int oh1,
                    const Act& act, std::ptrdiff_t ahead_x = 0, std::ptrdiff_t ahead_y = 0) {
  constexpr int KW = detail::row_tile_width(G), SW = KW > 0 ? G.sw : 0;
  detail::depthwise_channel_blocks<V, KW, SW>(G, xs, kernel, bias, ys, oh0, oh1, act, ahead_x, ahead_y);
}

/// y (batch, oh, ow, c * m) = act(depthwise(x (batch, h, w, c), kernel (kh, kw, c, m)) + bias), Keras'
/// DepthwiseConv2D; g.oc = c * m. bias (c * m) may be null; scratch holds depthwise_scratch_floats(g).
template <class V = simd::native, class Act>
void depthwise(const window_geometry& g, const float* x, const float* kernel, const float* bias, float* y, int batch,
               float* scratch, const Act& act) {
  if (batch <= 0) return;
  if constexpr (!Act::vectorized) {
    depthwise<V>(g, x, kernel, bias, y, batch, scratch, activation::linear{});
    activation::apply_inplace(act, y, static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(g.output_floats()));
  } else {
    const long long work = 1LL * g.oh * g.ow * g.oc * g.kh * g.kw * batch;
    each_sample_rows(
        g, work, x, y, batch, scratch, depth_multiplier(g) > 1 ? depthwise_scratch_floats(g) : 0,
        [&](const float* xs, float* buffer) { return detail::repeat_channels(g, xs, buffer), buffer; },
        [&](const float* xs, float* ys, int oh0, int oh1) {
          const auto [ax, ay] = detail::next_sample<V>(g, detail::floats_after(x, xs), detail::floats_after(y, ys), batch);
          depthwise_rows<V>(g, xs, kernel, bias, ys, oh0, oh1, act, ax, ay);
        });
  }
}

/// depthwise<V> for a geometry known at compile time, as a layer's: the same results, only the tiles G runs compiled.
template <window_geometry G, class V = simd::native, class Act>
void depthwise(const float* x, const float* kernel, const float* bias, float* y, int batch, float* scratch,
               const Act& act) {
  if (batch <= 0) return;
  if constexpr (!Act::vectorized) {
    depthwise<G, V>(x, kernel, bias, y, batch, scratch, activation::linear{});
    activation::apply_inplace(act, y, static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(G.output_floats()));
  } else {
    constexpr long long per_sample = 1LL * G.oh * G.ow * G.oc * G.kh * G.kw;
    each_sample_rows(
        G, per_sample * batch, x, y, batch, scratch, depth_multiplier(G) > 1 ? depthwise_scratch_floats(G) : 0,
        [&](const float* xs, float* buffer) { return detail::repeat_channels(G, xs, buffer), buffer; },
        [&](const float* xs, float* ys, int oh0, int oh1) {
          const auto [ax, ay] = detail::next_sample<V>(G, detail::floats_after(x, xs), detail::floats_after(y, ys), batch);
          depthwise_rows<V, G>(xs, kernel, bias, ys, oh0, oh1, act, ax, ay);
        });
  }
}

/// The gradients of depthwise() given dz = dL/dy (batch, oh, ow, c * m): dkernel += sum of x * dz under
/// each tap, dbias += sum of dz (each skipped when null), and dx = sum over the windows covering each
/// cell of kernel * dz (overwritten; skipped when null). Plain loops over contiguous channels, which
/// the compiler vectorises.
inline void depthwise_backward(const window_geometry& g, const float* x, const float* dz, const float* kernel,
                               float* dkernel, float* dbias, float* dx, int batch) {
  const int m = depth_multiplier(g), C = g.oc;
  if (dx) std::fill_n(dx, static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(g.input_floats()), 0.0f);
  for (int n = 0; n < batch; ++n) {
    const float* xs = x + static_cast<std::ptrdiff_t>(n) * static_cast<std::ptrdiff_t>(g.input_floats());
    float* dxs = dx ? dx + static_cast<std::ptrdiff_t>(n) * static_cast<std::ptrdiff_t>(g.input_floats()) : nullptr;
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j) {
        const float* d = dz + ((static_cast<std::ptrdiff_t>(n) * g.oh + i) * g.ow + j) * C;
        if (dbias)
          for (int o = 0; o < C; ++o) dbias[o] += d[o];
        for (int a = 0; a < g.kh; ++a) {
          const int r = i * g.sh + a * g.dh - g.pad_top;
          if (r < 0 || r >= g.h) continue;
          for (int b = 0; b < g.kw; ++b) {
            const int col = j * g.sw + b * g.dw - g.pad_left;
            if (col < 0 || col >= g.w) continue;
            const std::ptrdiff_t cell = (static_cast<std::ptrdiff_t>(r) * g.w + col) * g.c;
            const std::ptrdiff_t tap = (static_cast<std::ptrdiff_t>(a) * g.kw + b) * C;
            if (m == 1) {
              if (dkernel)
                for (int o = 0; o < C; ++o) dkernel[tap + o] += xs[cell + o] * d[o];
              if (dxs)
                for (int o = 0; o < C; ++o) dxs[cell + o] += kernel[tap + o] * d[o];
            } else {
              for (int c = 0; c < g.c; ++c)
                for (int q = 0; q < m; ++q) {
                  const int o = c * m + q;
                  if (dkernel) dkernel[tap + o] += xs[cell + c] * d[o];
                  if (dxs) dxs[cell + c] += kernel[tap + o] * d[o];
                }
            }
          }
        }
      }
  }
}

}  // namespace tshape::kernels::conv
