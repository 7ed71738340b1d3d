// Int8 pooling as TFLite's integer kernels do it.
//   max_pool      the largest int8 value of the window's cells inside the image (exact: the input's
//                 scale and zero point are the output's), clamped to [min, max].
//   average_pool  TFLite's AveragePool: the int32 sum of the window's cells inside the image, divided by
//                 their count rounding half away from zero ((sum +- count / 2) / count, truncating),
//                 clamped; the input's quantization is the output's.
//   mean          TFLite's int8 Mean over rows and columns (GlobalAveragePooling): sum of (x - zp_in)
//                 over the cells, times the multiplier of in_scale / out_scale (fixed_point.hpp), divided
//                 by the cell count rounding half away from zero, + zp_out, clamped to int8: the output
//                 has its own calibrated quantization.
//   global_max    the largest value over the cells (TFLite's ReduceMax), exact.
// The fast forms run channel-innermost (the compiler vectorizes the channel loops; max_pool has a NEON
// path, 16 channels per vmaxq_s8, on aarch64); each has a plain twin in TFLite's loop order
// (*_reference) that tests compare against. A 1D pooling is the 2D one with one row.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../conv/geometry.hpp"
#include "fixed_point.hpp"

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#define TSHAPE_QUANT_POOL_NEON 1
#endif

namespace tshape::kernels::quant {

namespace detail {
/// TFLite's rounding division of a sum by a positive count: half away from zero.
constexpr std::int32_t rounded_divide(std::int32_t sum, std::int32_t count) {
  return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}
constexpr std::int8_t clamp8(std::int32_t v, std::int32_t lo, std::int32_t hi) {
  return static_cast<std::int8_t>(v < lo ? lo : v > hi ? hi : v);
}
/// The window's first and last (exclusive) cells inside the input along one axis.
constexpr void window_inside(int o, int stride, int pad, int k, int extent, int& first, int& last) {
  const int origin = o * stride - pad;
  first = origin < 0 ? -origin : 0;
  last = extent - origin < k ? extent - origin : k;
}
}  // namespace detail

/// The plain twins, TFLite's loops: for each output cell and channel, over the window.
template <bool Max>
inline void pool_reference(const window_geometry& g, int batch, const std::int8_t* x, std::int8_t* y, std::int32_t min = -128,
                           std::int32_t max = 127) {
  for (int b = 0; b < batch; ++b)
    for (int oy = 0; oy < g.oh; ++oy)
      for (int ox = 0; ox < g.ow; ++ox)
        for (int c = 0; c < g.c; ++c) {
          int y0, y1, x0, x1;
          detail::window_inside(oy, g.sh, g.pad_top, g.kh, g.h, y0, y1);
          detail::window_inside(ox, g.sw, g.pad_left, g.kw, g.w, x0, x1);
          std::int32_t acc = Max ? -128 : 0, count = 0;
          for (int ky = y0; ky < y1; ++ky)
            for (int kx = x0; kx < x1; ++kx) {
              const int iy = oy * g.sh - g.pad_top + ky, ix = ox * g.sw - g.pad_left + kx;
              const std::int32_t v = x[((static_cast<std::size_t>(b) * g.h + iy) * g.w + ix) * g.c + c];
              if constexpr (Max) acc = v > acc ? v : acc;
              else acc += v;
              ++count;
            }
          if constexpr (!Max) acc = count > 0 ? detail::rounded_divide(acc, count) : 0;
          y[((static_cast<std::size_t>(b) * g.oh + oy) * g.ow + ox) * g.c + c] = detail::clamp8(acc, min, max);
        }
}

/// Max (Max = true) or average pooling, channel-innermost; `min`/`max` the fused clamp (int8 by default).
template <bool Max>
inline void pool(const window_geometry& g, int batch, const std::int8_t* x, std::int8_t* y, std::int32_t min = -128,
                 std::int32_t max = 127) {
  constexpr int block = 64;
  for (int b = 0; b < batch; ++b) {
    const std::int8_t* xb = x + static_cast<std::size_t>(b) * g.h * g.w * g.c;
    for (int oy = 0; oy < g.oh; ++oy) {
      int y0, y1;
      detail::window_inside(oy, g.sh, g.pad_top, g.kh, g.h, y0, y1);
      for (int ox = 0; ox < g.ow; ++ox) {
        int x0, x1;
        detail::window_inside(ox, g.sw, g.pad_left, g.kw, g.w, x0, x1);
        const std::int32_t count = (y1 - y0) * (x1 - x0);
        std::int8_t* yp = y + ((static_cast<std::size_t>(b) * g.oh + oy) * g.ow + ox) * g.c;
        int c_first = 0;  // channels before it are done
#if defined(TSHAPE_QUANT_POOL_NEON)
        if constexpr (Max) {  // NEON: 16 channels per vmaxq_s8, in int8 throughout
          const int8x16_t lo = vdupq_n_s8(static_cast<std::int8_t>(min < -128 ? -128 : min > 127 ? 127 : min));
          const int8x16_t hi = vdupq_n_s8(static_cast<std::int8_t>(max < -128 ? -128 : max > 127 ? 127 : max));
          for (; c_first + 16 <= g.c; c_first += 16) {
            int8x16_t acc = vdupq_n_s8(-128);
            for (int ky = y0; ky < y1; ++ky)
              for (int kx = x0; kx < x1; ++kx) {
                const int iy = oy * g.sh - g.pad_top + ky, ix = ox * g.sw - g.pad_left + kx;
                acc = vmaxq_s8(acc, vld1q_s8(xb + (static_cast<std::size_t>(iy) * g.w + ix) * g.c + c_first));
              }
            vst1q_s8(yp + c_first, vminq_s8(vmaxq_s8(acc, lo), hi));
          }
        }
#endif
        for (int c0 = c_first; c0 < g.c; c0 += block) {
          const int n = g.c - c0 < block ? g.c - c0 : block;
          std::int32_t acc[block];
          for (int j = 0; j < n; ++j) acc[j] = Max ? -128 : 0;
          for (int ky = y0; ky < y1; ++ky)
            for (int kx = x0; kx < x1; ++kx) {
              const int iy = oy * g.sh - g.pad_top + ky, ix = ox * g.sw - g.pad_left + kx;
              const std::int8_t* xp = xb + (static_cast<std::size_t>(iy) * g.w + ix) * g.c + c0;
              for (int j = 0; j < n; ++j) {
                if constexpr (Max) acc[j] = xp[j] > acc[j] ? xp[j] : acc[j];
                else acc[j] += xp[j];
              }
            }
          for (int j = 0; j < n; ++j)
            yp[c0 + j] = detail::clamp8(Max || count == 0 ? acc[j] : detail::rounded_divide(acc[j], count), min, max);
        }
      }
    }
  }
}
inline void max_pool(const window_geometry& g, int batch, const std::int8_t* x, std::int8_t* y, std::int32_t min = -128,
                     std::int32_t max = 127) {
  pool<true>(g, batch, x, y, min, max);
}
inline void average_pool(const window_geometry& g, int batch, const std::int8_t* x, std::int8_t* y, std::int32_t min = -128,
                         std::int32_t max = 127) {
  pool<false>(g, batch, x, y, min, max);
}

/// The requantization of a Mean: the multiplier of in_scale / out_scale and the zero points.
struct mean_params {
  std::int32_t multiplier = 0, shift = 0;
  std::int32_t input_zero_point = 0, output_zero_point = 0;
};

/// TFLite's int8 Mean over `cells` positions, plain: y (batch, channels) from x (batch, cells, channels).
inline void mean_reference(int batch, int cells, int channels, const std::int8_t* x, const mean_params& p, std::int8_t* y) {
  for (int b = 0; b < batch; ++b)
    for (int c = 0; c < channels; ++c) {
      std::int32_t acc = 0;
      for (int k = 0; k < cells; ++k)
        acc += x[(static_cast<std::size_t>(b) * cells + k) * channels + c] - p.input_zero_point;
      acc = multiply_by_quantized_multiplier(acc, p.multiplier, p.shift);
      acc = detail::rounded_divide(acc, cells) + p.output_zero_point;
      y[static_cast<std::size_t>(b) * channels + c] = detail::clamp8(acc, -128, 127);
    }
}

/// The same integers, channel-innermost: raw sums first, cells * zp_in taken off once.
inline void mean(int batch, int cells, int channels, const std::int8_t* x, const mean_params& p, std::int8_t* y) {
  constexpr int block = 64;
  for (int b = 0; b < batch; ++b)
    for (int c0 = 0; c0 < channels; c0 += block) {
      const int n = channels - c0 < block ? channels - c0 : block;
      std::int32_t acc[block] = {};
      for (int k = 0; k < cells; ++k) {
        const std::int8_t* xp = x + (static_cast<std::size_t>(b) * cells + k) * channels + c0;
        for (int j = 0; j < n; ++j) acc[j] += xp[j];
      }
      for (int j = 0; j < n; ++j) {
        std::int32_t v = multiply_by_quantized_multiplier(acc[j] - cells * p.input_zero_point, p.multiplier, p.shift);
        v = detail::rounded_divide(v, cells) + p.output_zero_point;
        y[static_cast<std::size_t>(b) * channels + c0 + j] = detail::clamp8(v, -128, 127);
      }
    }
}

/// The largest value over `cells` positions: y (batch, channels) from x (batch, cells, channels).
inline void global_max(int batch, int cells, int channels, const std::int8_t* x, std::int8_t* y) {
  for (int b = 0; b < batch; ++b) {
    std::int8_t* yb = y + static_cast<std::size_t>(b) * channels;
    for (int c = 0; c < channels; ++c) yb[c] = -128;
    for (int k = 0; k < cells; ++k) {
      const std::int8_t* xp = x + (static_cast<std::size_t>(b) * cells + k) * channels;
      for (int c = 0; c < channels; ++c) yb[c] = xp[c] > yb[c] ? xp[c] : yb[c];
    }
  }
}

}  // namespace tshape::kernels::quant
