// The scalar reference twin of every convolution path: the plain loops of Keras' formula,
// accumulated in double, with the padded cells read as zeros. Tests compare the fast kernels
// against it; nothing else uses it.
#pragma once
#include <cstddef>

#include "geometry.hpp"

namespace tshape::kernels::conv {

/// y (batch, oh, ow, oc) = bias + sum over the window of x (batch, h, w, c) * kernel (kh, kw, c, oc).
inline void reference(const window_geometry& g, const float* x, const float* kernel, const float* bias, float* y,
                      int batch) {
  for (int n = 0; n < batch; ++n) {
    const float* xs = x + static_cast<std::ptrdiff_t>(n) * g.h * g.w * g.c;
    float* ys = y + static_cast<std::ptrdiff_t>(n) * g.oh * g.ow * g.oc;
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j)
        for (int o = 0; o < g.oc; ++o) {
          double s = bias ? bias[o] : 0.0;
          for (int a = 0; a < g.kh; ++a) {
            const int r = i * g.sh + a * g.dh - g.pad_top;
            if (r < 0 || r >= g.h) continue;
            for (int b = 0; b < g.kw; ++b) {
              const int col = j * g.sw + b * g.dw - g.pad_left;
              if (col < 0 || col >= g.w) continue;
              for (int ci = 0; ci < g.c; ++ci)
                s += static_cast<double>(xs[(static_cast<std::ptrdiff_t>(r) * g.w + col) * g.c + ci]) *
                     kernel[((static_cast<std::ptrdiff_t>(a) * g.kw + b) * g.c + ci) * g.oc + o];
            }
          }
          ys[(static_cast<std::ptrdiff_t>(i) * g.ow + j) * g.oc + o] = static_cast<float>(s);
        }
  }
}

}  // namespace tshape::kernels::conv
