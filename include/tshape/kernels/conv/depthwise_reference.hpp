// The scalar reference twin of depthwise.hpp: the plain loops of Keras' DepthwiseConv2D, accumulated
// in double, with the padded cells read as zeros. Tests compare the fast kernel against it.
#pragma once
#include <cstddef>
#include <vector>

#include "geometry.hpp"

namespace tshape::kernels::conv {

/// y (batch, oh, ow, c * m) = bias + sum over the window of x (batch, h, w, c) * kernel (kh, kw, c, m);
/// output channel c * m + j; g.oc = c * m.
inline void depthwise_reference(const window_geometry& g, const float* x, const float* kernel, const float* bias,
                                float* y, int batch) {
  const int m = g.oc / g.c;
  for (int n = 0; n < batch; ++n)
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j)
        for (int c = 0; c < g.c; ++c)
          for (int q = 0; q < m; ++q) {
            const int o = c * m + q;
            double s = bias ? bias[o] : 0.0;
            for (int a = 0; a < g.kh; ++a)
              for (int b = 0; b < g.kw; ++b) {
                const int r = i * g.sh + a * g.dh - g.pad_top, col = j * g.sw + b * g.dw - g.pad_left;
                if (r < 0 || r >= g.h || col < 0 || col >= g.w) continue;
                s += static_cast<double>(x[((static_cast<std::ptrdiff_t>(n) * g.h + r) * g.w + col) * g.c + c]) *
                     kernel[((static_cast<std::ptrdiff_t>(a) * g.kw + b) * g.c + c) * m + q];
              }
            y[((static_cast<std::ptrdiff_t>(n) * g.oh + i) * g.ow + j) * g.oc + o] = static_cast<float>(s);
          }
}

/// The gradients of depthwise_reference() given dz = dL/dy: dkernel += sum of x * dz, dbias += sum of
/// dz (each skipped when null), dx = sum of kernel * dz (overwritten, skipped when null).
inline void depthwise_reference_backward(const window_geometry& g, const float* x, const float* dz,
                                         const float* kernel, float* dkernel, float* dbias, float* dx, int batch) {
  const int m = g.oc / g.c;
  std::vector<double> dk(static_cast<std::size_t>(g.kh) * g.kw * g.oc, 0.0), db(static_cast<std::size_t>(g.oc), 0.0),
      dxs(static_cast<std::size_t>(batch) * g.input_floats(), 0.0);
  for (int n = 0; n < batch; ++n)
    for (int i = 0; i < g.oh; ++i)
      for (int j = 0; j < g.ow; ++j)
        for (int c = 0; c < g.c; ++c)
          for (int q = 0; q < m; ++q) {
            const int o = c * m + q;
            const double d = dz[((static_cast<std::ptrdiff_t>(n) * g.oh + i) * g.ow + j) * g.oc + o];
            db[static_cast<std::size_t>(o)] += d;
            for (int a = 0; a < g.kh; ++a)
              for (int b = 0; b < g.kw; ++b) {
                const int r = i * g.sh + a * g.dh - g.pad_top, col = j * g.sw + b * g.dw - g.pad_left;
                if (r < 0 || r >= g.h || col < 0 || col >= g.w) continue;
                const std::size_t cell = ((static_cast<std::size_t>(n) * g.h + r) * g.w + col) * g.c + c;
                const std::size_t tap = ((static_cast<std::size_t>(a) * g.kw + b) * g.c + c) * m + q;
                dk[tap] += x[cell] * d;
                dxs[cell] += kernel[tap] * d;
              }
          }
  if (dkernel)
    for (std::size_t k = 0; k < dk.size(); ++k) dkernel[k] += static_cast<float>(dk[k]);
  if (dbias)
    for (std::size_t o = 0; o < db.size(); ++o) dbias[o] += static_cast<float>(db[o]);
  if (dx)
    for (std::size_t k = 0; k < dxs.size(); ++k) dx[k] = static_cast<float>(dxs[k]);
}

}  // namespace tshape::kernels::conv
