// The backward pass of pooling (pool.hpp), with Keras' (TensorFlow's) rules, vectorized along the
// channels with V's registers:
//   max      each window's dy goes to the first cell, in row-major order within the window, that holds
//            the window's maximum (TensorFlow's CPU max-pool gradient); overlapping windows add up.
//            The cells are found again from x and the forward's y (y is one of the window's x), so
//            forward_train keeps nothing. Border cells of 'same' windows are never candidates.
//   average  each window's dy / (its number of real cells) goes to each of those real cells.
//   global   the same over all the positions of a sample.
// Where windows overlap, dx is zeroed and added into; disjoint windows (strides at least the pool)
// store into it, and need no zeros first when they also cover every cell (Keras' default pool = strides).
// Their scalar reference twin is reference.hpp's reference_backward.
#pragma once
#include <algorithm>
#include <cstddef>

#include "../../config.hpp"
#include "../conv/geometry.hpp"
#include "../simd/simd.hpp"
#include "pool.hpp"

namespace tshape::kernels::pool {

namespace detail {
/// Per lane: t where a == b, else f. (The ISAs' compare-and-blend, which simd.hpp does not need elsewhere.)
template <class V>
struct select_eq;
template <>
struct select_eq<simd::scalar> {
  static TSHAPE_ALWAYS_INLINE float run(float a, float b, float t, float f) { return a == b ? t : f; }
};
#if defined(TSHAPE_SIMD_AVX512)
template <>
struct select_eq<simd::avx512> {
  static TSHAPE_ALWAYS_INLINE __m512 run(__m512 a, __m512 b, __m512 t, __m512 f) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ), f, t);
  }
};
#endif
#if defined(TSHAPE_SIMD_AVX512) || defined(TSHAPE_SIMD_AVX2)
template <>
struct select_eq<simd::avx2> {
  static TSHAPE_ALWAYS_INLINE __m256 run(__m256 a, __m256 b, __m256 t, __m256 f) {
    return _mm256_blendv_ps(f, t, _mm256_cmp_ps(a, b, _CMP_EQ_OQ));
  }
};
#endif
#if defined(TSHAPE_SIMD_NEON)
template <>
struct select_eq<simd::neon> {
  static TSHAPE_ALWAYS_INLINE float32x4_t run(float32x4_t a, float32x4_t b, float32x4_t t, float32x4_t f) {
    return vbslq_f32(vceqq_f32(a, b), t, f);
  }
};
#endif

/// Loads `lanes` floats (all of a register when lanes == V::width) and stores them back.
template <class V>
TSHAPE_ALWAYS_INLINE typename V::reg load_lanes(const float* p, int lanes) {
  return lanes == V::width ? V::load(p) : V::load_partial(p, lanes);
}
template <class V>
TSHAPE_ALWAYS_INLINE void store_lanes(float* p, typename V::reg v, int lanes) {
  if (lanes == V::width)
    V::store(p, v);
  else
    V::store_partial(p, v, lanes);
}
}  // namespace detail

namespace detail {
/// True when no cell is in two windows (strides at least the pool): each cell's gradient is stored
/// rather than added.
inline bool disjoint(const window_geometry& g) { return g.sh >= g.kh && g.sw >= g.kw; }
/// True when the windows are disjoint and leave no cell out (none between them, none past the last):
/// dx needs no zeros first.
inline bool tiles_input(const window_geometry& g) {
  return g.sh == g.kh && g.sw == g.kw && g.oh * g.sh - g.pad_top >= g.h && g.ow * g.sw - g.pad_left >= g.w;
}

/// max_pool_backward's loop; Disjoint: no cell is in two windows (strides at least the pool), so each
/// cell's gradient is stored rather than added.
template <class V, bool Disjoint>
void max_pool_backward(const window_geometry& g, const float* x, const float* y, const float* dy, float* dx,
                       int batch) {
  using reg = typename V::reg;
  using sel = select_eq<V>;
  constexpr int W = V::width;
  const std::ptrdiff_t C = g.c, in_floats = static_cast<std::ptrdiff_t>(g.input_floats()),
                       out_floats = static_cast<std::ptrdiff_t>(g.output_floats());
  for (int n = 0; n < batch; ++n) {
    const float* xs = x + n * in_floats;
    float* dxs = dx + n * in_floats;
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j) {
        const clipped w = clip(g, i, j);
        const std::ptrdiff_t out = n * out_floats + (static_cast<std::ptrdiff_t>(i) * g.ow + j) * C;
        for (std::ptrdiff_t c = 0; c < C; c += W) {
          const int lanes = static_cast<int>(std::min<std::ptrdiff_t>(W, C - c));
          const reg best = load_lanes<V>(y + out + c, lanes);
          reg pending = load_lanes<V>(dy + out + c, lanes);  // zeroed in a lane once given
          for (int r = w.r0; r < w.r1; ++r)
            for (int q = w.c0; q < w.c1; ++q) {
              const std::ptrdiff_t cell = (static_cast<std::ptrdiff_t>(r) * g.w + q) * C + c;
              const reg v = load_lanes<V>(xs + cell, lanes);
              reg d = sel::run(v, best, pending, V::zero());
              if constexpr (!Disjoint) d = V::add(load_lanes<V>(dxs + cell, lanes), d);
              store_lanes<V>(dxs + cell, d, lanes);
              pending = sel::run(v, best, V::zero(), pending);
            }
        }
      }
  }
}
}  // namespace detail

/// dx (batch, h, w, c) = the gradient of max_pool given x, its output y and dy (batch, oh, ow, c).
template <class V = simd::native>
void max_pool_backward(const window_geometry& g, const float* x, const float* y, const float* dy, float* dx,
                       int batch) {
  if (batch <= 0) return;
  if (!detail::tiles_input(g))
    std::fill(dx, dx + static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(g.input_floats()), 0.0f);
  if (detail::disjoint(g))
    detail::max_pool_backward<V, true>(g, x, y, dy, dx, batch);
  else
    detail::max_pool_backward<V, false>(g, x, y, dy, dx, batch);
}

namespace detail {
template <class V, bool Disjoint>
void average_pool_backward(const window_geometry& g, const float* dy, float* dx, int batch) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  const std::ptrdiff_t C = g.c, in_floats = static_cast<std::ptrdiff_t>(g.input_floats()),
                       out_floats = static_cast<std::ptrdiff_t>(g.output_floats());
  for (int n = 0; n < batch; ++n) {
    float* dxs = dx + n * in_floats;
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j) {
        const clipped w = clip(g, i, j);
        const std::ptrdiff_t out = n * out_floats + (static_cast<std::ptrdiff_t>(i) * g.ow + j) * C;
        const reg scale = V::broadcast(1.0f / static_cast<float>((w.r1 - w.r0) * (w.c1 - w.c0)));
        for (std::ptrdiff_t c = 0; c < C; c += W) {
          const int lanes = static_cast<int>(std::min<std::ptrdiff_t>(W, C - c));
          const reg share = V::mul(load_lanes<V>(dy + out + c, lanes), scale);
          for (int r = w.r0; r < w.r1; ++r)
            for (int q = w.c0; q < w.c1; ++q) {
              float* p = dxs + (static_cast<std::ptrdiff_t>(r) * g.w + q) * C + c;
              if constexpr (Disjoint)
                store_lanes<V>(p, share, lanes);
              else
                store_lanes<V>(p, V::add(load_lanes<V>(p, lanes), share), lanes);
            }
        }
      }
  }
}
}  // namespace detail

/// dx (batch, h, w, c) = the gradient of average_pool given dy (batch, oh, ow, c).
template <class V = simd::native>
void average_pool_backward(const window_geometry& g, const float* dy, float* dx, int batch) {
  if (batch <= 0) return;
  if (!detail::tiles_input(g))
    std::fill(dx, dx + static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(g.input_floats()), 0.0f);
  if (detail::disjoint(g))
    detail::average_pool_backward<V, true>(g, dy, dx, batch);
  else
    detail::average_pool_backward<V, false>(g, dy, dx, batch);
}

/// dx (batch, cells, channels) = dy (batch, channels) / cells at every position.
template <class V = simd::native>
void global_average_pool_backward(const float* dy, float* dx, int batch, int cells, int channels) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  const reg scale = V::broadcast(1.0f / static_cast<float>(cells));
  for (int n = 0; n < batch; ++n) {
    float* dxs = dx + static_cast<std::ptrdiff_t>(n) * cells * channels;
    for (int c = 0; c < channels; c += W) {
      const int lanes = std::min(W, channels - c);
      const reg share = V::mul(detail::load_lanes<V>(dy + static_cast<std::ptrdiff_t>(n) * channels + c, lanes), scale);
      TSHAPE_NO_UNROLL for (int k = 0; k < cells; ++k) detail::store_lanes<V>(dxs + static_cast<std::ptrdiff_t>(k) * channels + c, share, lanes);
    }
  }
}

/// dx (batch, cells, channels) = dy (batch, channels) at the first position holding the maximum y, else 0.
template <class V = simd::native>
void global_max_pool_backward(const float* x, const float* y, const float* dy, float* dx, int batch, int cells,
                              int channels) {
  using reg = typename V::reg;
  using sel = detail::select_eq<V>;
  constexpr int W = V::width;
  for (int n = 0; n < batch; ++n) {
    const std::ptrdiff_t sample = static_cast<std::ptrdiff_t>(n) * cells * channels;
    for (int c = 0; c < channels; c += W) {
      const int lanes = std::min(W, channels - c);
      const std::ptrdiff_t out = static_cast<std::ptrdiff_t>(n) * channels + c;
      const reg best = detail::load_lanes<V>(y + out, lanes);
      reg pending = detail::load_lanes<V>(dy + out, lanes);
      TSHAPE_NO_UNROLL for (int k = 0; k < cells; ++k) {
        const std::ptrdiff_t cell = sample + static_cast<std::ptrdiff_t>(k) * channels + c;
        const reg v = detail::load_lanes<V>(x + cell, lanes);
        detail::store_lanes<V>(dx + cell, sel::run(v, best, pending, V::zero()), lanes);
        pending = sel::run(v, best, V::zero(), pending);
      }
    }
  }
}

}  // namespace tshape::kernels::pool
