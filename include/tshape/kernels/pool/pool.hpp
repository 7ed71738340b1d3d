// Pooling on NHWC data, vectorized along the channels with V's registers (simd.hpp).
//
// Keras' rules for the cells a 'same' window hangs over the border with (keras-semantics.md 2.2):
// max ignores them (as if they were -inf, never 0); average leaves them out of the sum and of the
// divisor, which is the number of real cells in the window.
#pragma once
#include <algorithm>
#include <cstddef>
#include <limits>

#include "../../config.hpp"
#include "../conv/geometry.hpp"
#include "../simd/simd.hpp"

namespace tshape::kernels::pool {

namespace detail {
// The window of output (i, j), clipped to the real cells: rows [r0, r1), columns [c0, c1).
struct clipped {
  int r0, r1, c0, c1;
};
inline clipped clip(const window_geometry& g, int i, int j) {
  const int r = i * g.sh - g.pad_top, c = j * g.sw - g.pad_left;
  return {std::max(r, 0), std::min(r + g.kh, g.h), std::max(c, 0), std::min(c + g.kw, g.w)};
}

// One vector of channels reduced over a window of rows x cols cells (never empty: a window always
// keeps at least one real cell), the first cell at p. Partial: only `lanes` channels.
template <class V, bool Max, bool Partial>
TSHAPE_ALWAYS_INLINE typename V::reg reduce_window(const float* p, int rows, int cols, std::ptrdiff_t cell_step,
                                                   std::ptrdiff_t row_step, int lanes) {
  using reg = typename V::reg;
  const auto load = [lanes](const float* q) { return Partial ? V::load_partial(q, lanes) : V::load(q); };
  reg acc = load(p);
  for (int r = 0; r < rows; ++r) {
    const float* row = p + r * row_step;
    for (int q = r == 0 ? 1 : 0; q < cols; ++q) {
      const reg v = load(row + q * cell_step);
      acc = Max ? V::max(acc, v) : V::add(acc, v);
    }
  }
  return acc;
}

// Inlined into the layer, whose geometry is a constant: the loop bounds, the clipping and the
// channel tail then fold at -O2 as well. Out of line (what g++ -O2 and clang did), MaxPooling1D
// took 3-5x as long as g++ -O3's inlined copy.
template <class V, bool Max>
TSHAPE_ALWAYS_INLINE void pool(const window_geometry& g, const float* x, float* y, int batch) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  const std::ptrdiff_t C = g.c;
  const std::ptrdiff_t full = C - C % W;  // channels in whole vectors
  const int tail = static_cast<int>(C - full);
  const std::ptrdiff_t row_step = static_cast<std::ptrdiff_t>(g.w) * C;
  for (int n = 0; n < batch; ++n) {
    const float* xs = x + static_cast<std::ptrdiff_t>(n) * static_cast<std::ptrdiff_t>(g.input_floats());
    float* ys = y + static_cast<std::ptrdiff_t>(n) * static_cast<std::ptrdiff_t>(g.output_floats());
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j) {
        const clipped w = clip(g, i, j);
        const int rows = w.r1 - w.r0, cols = w.c1 - w.c0;
        const float* xp = xs + (static_cast<std::ptrdiff_t>(w.r0) * g.w + w.c0) * C;
        float* yp = ys + (static_cast<std::ptrdiff_t>(i) * g.ow + j) * C;
        reg scale = V::zero();
        if constexpr (!Max) scale = V::broadcast(1.0f / static_cast<float>(rows * cols));
        for (std::ptrdiff_t c = 0; c < full; c += W) {
          reg acc = reduce_window<V, Max, false>(xp + c, rows, cols, C, row_step, W);
          if constexpr (!Max) acc = V::mul(acc, scale);
          V::store(yp + c, acc);
        }
        if (tail > 0) {
          reg acc = reduce_window<V, Max, true>(xp + full, rows, cols, C, row_step, tail);
          if constexpr (!Max) acc = V::mul(acc, scale);
          V::store_partial(yp + full, acc, tail);
        }
      }
  }
}

// One vector of channels over `cells` positions `step` floats apart, in four interleaved partial
// results: one chain of dependent adds ran at the add latency, not at the load rate.
template <class V, bool Max, bool Partial>
TSHAPE_ALWAYS_INLINE typename V::reg reduce_cells(const float* p, int cells, std::ptrdiff_t step, int lanes) {
  using reg = typename V::reg;
  const auto load = [lanes](const float* q) { return Partial ? V::load_partial(q, lanes) : V::load(q); };
  const auto join = [](reg a, reg b) { return Max ? V::max(a, b) : V::add(a, b); };
  const reg start = Max ? V::broadcast(-std::numeric_limits<float>::infinity()) : V::zero();
  reg a0 = start, a1 = start, a2 = start, a3 = start;
  int k = 0;
  TSHAPE_NO_UNROLL for (; k + 4 <= cells; k += 4) {
    const float* q = p + k * step;
    a0 = join(a0, load(q));
    a1 = join(a1, load(q + step));
    a2 = join(a2, load(q + 2 * step));
    a3 = join(a3, load(q + 3 * step));
  }
  TSHAPE_NO_UNROLL for (; k < cells; ++k) a0 = join(a0, load(p + k * step));
  return join(join(a0, a1), join(a2, a3));
}

template <class V, bool Max>
TSHAPE_ALWAYS_INLINE void global_pool(const float* x, float* y, int batch, int cells, int channels) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  const int full = channels - channels % W, tail = channels - full;
  const reg scale = V::broadcast(1.0f / static_cast<float>(cells));
  TSHAPE_NO_UNROLL for (int n = 0; n < batch; ++n) {
    const float* xs = x + static_cast<std::ptrdiff_t>(n) * cells * channels;
    float* yp = y + static_cast<std::ptrdiff_t>(n) * channels;
    TSHAPE_NO_UNROLL for (int c = 0; c < full; c += W) {
      reg acc = reduce_cells<V, Max, false>(xs + c, cells, channels, W);
      if constexpr (!Max) acc = V::mul(acc, scale);
      V::store(yp + c, acc);
    }
    if (tail > 0) {
      reg acc = reduce_cells<V, Max, true>(xs + full, cells, channels, tail);
      if constexpr (!Max) acc = V::mul(acc, scale);
      V::store_partial(yp + full, acc, tail);
    }
  }
}
}  // namespace detail

/// y (batch, oh, ow, c) = the maximum of each window of x (batch, h, w, c); border cells are ignored.
template <class V = simd::native>
TSHAPE_ALWAYS_INLINE void max_pool(const window_geometry& g, const float* x, float* y, int batch) {
  detail::pool<V, true>(g, x, y, batch);
}
/// y = the mean of each window's real cells.
template <class V = simd::native>
TSHAPE_ALWAYS_INLINE void average_pool(const window_geometry& g, const float* x, float* y, int batch) {
  detail::pool<V, false>(g, x, y, batch);
}
/// y (batch, channels) = the mean over the `cells` positions of x (batch, cells, channels).
template <class V = simd::native>
TSHAPE_ALWAYS_INLINE void global_average_pool(const float* x, float* y, int batch, int cells, int channels) {
  detail::global_pool<V, false>(x, y, batch, cells, channels);
}
/// y (batch, channels) = the maximum over the `cells` positions of x (batch, cells, channels).
template <class V = simd::native>
TSHAPE_ALWAYS_INLINE void global_max_pool(const float* x, float* y, int batch, int cells, int channels) {
  detail::global_pool<V, true>(x, y, batch, cells, channels);
}

}  // namespace tshape::kernels::pool
