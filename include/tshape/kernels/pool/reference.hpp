// The scalar reference twin of the pooling kernels and of their backward (backward.hpp): Keras'
// rules written as plain loops over the padded window, testing each cell. Tests compare the fast
// kernels against it; nothing else uses it.
#pragma once
#include <cstddef>
#include <limits>

#include "../conv/geometry.hpp"

namespace tshape::kernels::pool {

/// Max (Max = true) or average pooling of x (batch, h, w, c) into y (batch, oh, ow, c).
inline void reference(const window_geometry& g, const float* x, float* y, int batch, bool max) {
  for (int n = 0; n < batch; ++n)
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j)
        for (int ch = 0; ch < g.c; ++ch) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
          int count = 0;
          for (int a = 0; a < g.kh; ++a)
            for (int b = 0; b < g.kw; ++b) {
              const int r = i * g.sh + a - g.pad_top, col = j * g.sw + b - g.pad_left;
              if (r < 0 || r >= g.h || col < 0 || col >= g.w) continue;  // a padded cell: not counted
              const double v = x[((static_cast<std::ptrdiff_t>(n) * g.h + r) * g.w + col) * g.c + ch];
              best = v > best ? v : best;
              sum += v;
              ++count;
            }
          y[((static_cast<std::ptrdiff_t>(n) * g.oh + i) * g.ow + j) * g.c + ch] =
              static_cast<float>(max ? best : sum / count);
        }
}

/// The gradient of reference() given dy (batch, oh, ow, c): for max, each window's dy added to the
/// first real cell (row-major within the window) holding its maximum; for average, dy / (real cells)
/// added to each real cell. dx (batch, h, w, c) is overwritten.
inline void reference_backward(const window_geometry& g, const float* x, const float* dy, float* dx, int batch,
                               bool max) {
  for (std::size_t k = 0; k < static_cast<std::size_t>(batch) * g.input_floats(); ++k) dx[k] = 0.0f;
  for (int n = 0; n < batch; ++n)
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j)
        for (int ch = 0; ch < g.c; ++ch) {
          const double d = dy[((static_cast<std::ptrdiff_t>(n) * g.oh + i) * g.ow + j) * g.c + ch];
          double best = -std::numeric_limits<double>::infinity();
          std::ptrdiff_t best_at = -1;
          int count = 0;
          for (int a = 0; a < g.kh; ++a)
            for (int b = 0; b < g.kw; ++b) {
              const int r = i * g.sh + a - g.pad_top, col = j * g.sw + b - g.pad_left;
              if (r < 0 || r >= g.h || col < 0 || col >= g.w) continue;
              const std::ptrdiff_t at = ((static_cast<std::ptrdiff_t>(n) * g.h + r) * g.w + col) * g.c + ch;
              if (best_at < 0 || x[at] > best) best = x[at], best_at = at;  // strict: the first maximum wins
              ++count;
            }
          if (max) {
            dx[best_at] = static_cast<float>(dx[best_at] + d);
          } else {
            for (int a = 0; a < g.kh; ++a)
              for (int b = 0; b < g.kw; ++b) {
                const int r = i * g.sh + a - g.pad_top, col = j * g.sw + b - g.pad_left;
                if (r < 0 || r >= g.h || col < 0 || col >= g.w) continue;
                float& v = dx[((static_cast<std::ptrdiff_t>(n) * g.h + r) * g.w + col) * g.c + ch];
                v = static_cast<float>(v + d / count);
              }
          }
        }
}

/// The gradient of the global pools: x (batch, cells, channels), dy (batch, channels) -> dx like x.
inline void reference_global_backward(const float* x, const float* dy, float* dx, int batch, int cells, int channels,
                                      bool max) {
  for (int n = 0; n < batch; ++n)
    for (int ch = 0; ch < channels; ++ch) {
      const double d = dy[static_cast<std::ptrdiff_t>(n) * channels + ch];
      std::ptrdiff_t best_at = -1;
      for (int k = 0; k < cells; ++k) {
        const std::ptrdiff_t at = (static_cast<std::ptrdiff_t>(n) * cells + k) * channels + ch;
        if (best_at < 0 || x[at] > x[best_at]) best_at = at;
        dx[at] = max ? 0.0f : static_cast<float>(d / cells);
      }
      if (max) dx[best_at] = static_cast<float>(d);
    }
}

}  // namespace tshape::kernels::pool
