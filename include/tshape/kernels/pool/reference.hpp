// The scalar reference twin of the pooling kernels: Keras' rules written as plain loops over the
// padded window, testing each cell. Tests compare the fast kernels against it; nothing else uses it.
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

}  // namespace tshape::kernels::pool
