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

template <class V, bool Max>
void pool(const window_geometry& g, const float* x, float* y, int batch) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  const std::ptrdiff_t C = g.c;
  for (int n = 0; n < batch; ++n) {
    const float* xs = x + static_cast<std::ptrdiff_t>(n) * static_cast<std::ptrdiff_t>(g.input_floats());
    float* ys = y + static_cast<std::ptrdiff_t>(n) * static_cast<std::ptrdiff_t>(g.output_floats());
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j) {
        const clipped w = clip(g, i, j);
        float* yp = ys + (static_cast<std::ptrdiff_t>(i) * g.ow + j) * C;
        const reg scale = V::broadcast(1.0f / static_cast<float>((w.r1 - w.r0) * (w.c1 - w.c0)));
        for (std::ptrdiff_t c = 0; c < C; c += W) {
          const int lanes = static_cast<int>(std::min<std::ptrdiff_t>(W, C - c));
          reg acc = Max ? V::broadcast(-std::numeric_limits<float>::infinity()) : V::zero();
          for (int r = w.r0; r < w.r1; ++r)
            for (int q = w.c0; q < w.c1; ++q) {
              const float* p = xs + (static_cast<std::ptrdiff_t>(r) * g.w + q) * C + c;
              const reg v = lanes == W ? V::load(p) : V::load_partial(p, lanes);
              acc = Max ? V::max(acc, v) : V::add(acc, v);
            }
          if (!Max) acc = V::mul(acc, scale);
          if (lanes == W)
            V::store(yp + c, acc);
          else
            V::store_partial(yp + c, acc, lanes);
        }
      }
  }
}

template <class V, bool Max>
void global_pool(const float* x, float* y, int batch, int cells, int channels) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  const float scale = 1.0f / static_cast<float>(cells);
  for (int n = 0; n < batch; ++n) {
    const float* xs = x + static_cast<std::ptrdiff_t>(n) * cells * channels;
    float* yp = y + static_cast<std::ptrdiff_t>(n) * channels;
    for (int c = 0; c < channels; c += W) {
      const int lanes = std::min(W, channels - c);
      reg acc = Max ? V::broadcast(-std::numeric_limits<float>::infinity()) : V::zero();
      for (int k = 0; k < cells; ++k) {
        const float* p = xs + static_cast<std::ptrdiff_t>(k) * channels + c;
        const reg v = lanes == W ? V::load(p) : V::load_partial(p, lanes);
        acc = Max ? V::max(acc, v) : V::add(acc, v);
      }
      if (!Max) acc = V::mul(acc, V::broadcast(scale));
      if (lanes == W)
        V::store(yp + c, acc);
      else
        V::store_partial(yp + c, acc, lanes);
    }
  }
}
}  // namespace detail

/// y (batch, oh, ow, c) = the maximum of each window of x (batch, h, w, c); border cells are ignored.
template <class V = simd::native>
void max_pool(const window_geometry& g, const float* x, float* y, int batch) {
  detail::pool<V, true>(g, x, y, batch);
}
/// y = the mean of each window's real cells.
template <class V = simd::native>
void average_pool(const window_geometry& g, const float* x, float* y, int batch) {
  detail::pool<V, false>(g, x, y, batch);
}
/// y (batch, channels) = the mean over the `cells` positions of x (batch, cells, channels).
template <class V = simd::native>
void global_average_pool(const float* x, float* y, int batch, int cells, int channels) {
  detail::global_pool<V, false>(x, y, batch, cells, channels);
}
/// y (batch, channels) = the maximum over the `cells` positions of x (batch, cells, channels).
template <class V = simd::native>
void global_max_pool(const float* x, float* y, int batch, int cells, int channels) {
  detail::global_pool<V, true>(x, y, batch, cells, channels);
}

}  // namespace tshape::kernels::pool
