// The scalar reference twin of every convolution path and of backward.hpp: the plain loops of
// Keras' formula, accumulated in double, with the padded cells read as zeros. Tests compare the
// fast kernels against it; nothing else uses it.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

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

/// The gradients of reference() given dz = dL/dy (batch, oh, ow, oc), as plain loops in double:
/// dkernel += sum of x * dz under each tap, dbias += sum of dz (each skipped when null), and
/// dx = sum over the windows covering each cell of kernel * dz (skipped when null).
inline void reference_backward(const window_geometry& g, const float* x, const float* dz, const float* kernel,
                               float* dkernel, float* dbias, float* dx, int batch) {
  const std::size_t taps = static_cast<std::size_t>(g.kh) * g.kw * g.c * g.oc;
  std::vector<double> dk(taps, 0.0), db(static_cast<std::size_t>(g.oc), 0.0), dxs(g.input_floats());
  for (int n = 0; n < batch; ++n) {
    const float* xs = x + static_cast<std::ptrdiff_t>(n) * g.h * g.w * g.c;
    const float* dzs = dz + static_cast<std::ptrdiff_t>(n) * g.oh * g.ow * g.oc;
    std::fill(dxs.begin(), dxs.end(), 0.0);
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j)
        for (int o = 0; o < g.oc; ++o) {
          const double d = dzs[(static_cast<std::ptrdiff_t>(i) * g.ow + j) * g.oc + o];
          db[static_cast<std::size_t>(o)] += d;
          for (int a = 0; a < g.kh; ++a) {
            const int r = i * g.sh + a * g.dh - g.pad_top;
            if (r < 0 || r >= g.h) continue;
            for (int b = 0; b < g.kw; ++b) {
              const int col = j * g.sw + b * g.dw - g.pad_left;
              if (col < 0 || col >= g.w) continue;
              for (int ci = 0; ci < g.c; ++ci) {
                const std::size_t cell = (static_cast<std::size_t>(r) * g.w + col) * g.c + ci;
                const std::size_t tap = ((static_cast<std::size_t>(a) * g.kw + b) * g.c + ci) * g.oc + o;
                dk[tap] += xs[cell] * d;
                dxs[cell] += kernel[tap] * d;
              }
            }
          }
        }
    if (dx)
      for (std::size_t k = 0; k < dxs.size(); ++k)
        dx[static_cast<std::ptrdiff_t>(n) * g.h * g.w * g.c + static_cast<std::ptrdiff_t>(k)] = static_cast<float>(dxs[k]);
  }
  if (dkernel)
    for (std::size_t k = 0; k < taps; ++k) dkernel[k] += static_cast<float>(dk[k]);
  if (dbias)
    for (std::size_t o = 0; o < db.size(); ++o) dbias[o] += static_cast<float>(db[o]);
}

}  // namespace tshape::kernels::conv
