// The scalar reference twin of conv_transpose.hpp: the plain scatter of TensorFlow's definition,
// accumulated in double. Tests compare the fast kernel against it; nothing else uses it.
#pragma once
#include <cstddef>
#include <vector>

#include "geometry.hpp"

namespace tshape::kernels::conv_transpose {

/// y (batch, oh, ow, f) = bias + the scatter of x (batch, h, w, c) through kernel (kh, kw, f, c).
inline void reference(const geometry& g, const float* x, const float* kernel, const float* bias, float* y, int batch) {
  std::vector<double> acc(static_cast<std::size_t>(g.oh) * g.ow * g.f);
  for (int n = 0; n < batch; ++n) {
    for (int p = 0; p < g.oh * g.ow; ++p)
      for (int o = 0; o < g.f; ++o) acc[static_cast<std::size_t>(p) * g.f + o] = bias ? bias[o] : 0.0;
    const float* xs = x + static_cast<std::ptrdiff_t>(n) * g.h * g.w * g.c;
    for (int i = 0; i < g.h; ++i)
      for (int j = 0; j < g.w; ++j)
        for (int a = 0; a < g.kh; ++a) {
          const int r = i * g.sh + a - g.pad_top;
          if (r < 0 || r >= g.oh) continue;
          for (int b = 0; b < g.kw; ++b) {
            const int col = j * g.sw + b - g.pad_left;
            if (col < 0 || col >= g.ow) continue;
            for (int o = 0; o < g.f; ++o) {
              double s = 0.0;
              for (int ci = 0; ci < g.c; ++ci)
                s += static_cast<double>(xs[(static_cast<std::ptrdiff_t>(i) * g.w + j) * g.c + ci]) *
                     kernel[((static_cast<std::ptrdiff_t>(a) * g.kw + b) * g.f + o) * g.c + ci];
              acc[(static_cast<std::size_t>(r) * g.ow + col) * g.f + o] += s;
            }
          }
        }
    float* ys = y + static_cast<std::ptrdiff_t>(n) * g.oh * g.ow * g.f;
    for (std::size_t k = 0; k < acc.size(); ++k) ys[k] = static_cast<float>(acc[k]);
  }
}

}  // namespace tshape::kernels::conv_transpose
