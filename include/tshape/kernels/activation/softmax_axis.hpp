// Softmax along one axis of a row-major array seen as (outer, n, inner): for each of the outer blocks
// and each of the inner columns, exp(x - max) / sum over the n cells of that column, which lie inner
// floats apart. The fast forms walk the n rows of each block in order, with the inner columns side by
// side in the innermost loop (contiguous, so the compiler vectorizes it), keeping the columns' maxima
// and sums in `scratch`; inner == 1 is the last axis, softmax_rows. The reference forms do one column
// at a time, as the definition reads, for the tests.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "activation.hpp"

namespace tshape::kernels::activation {

/// Floats of scratch softmax_axis needs: the columns' maxima and sums.
constexpr std::size_t softmax_axis_scratch(std::ptrdiff_t inner) {
  return inner > 1 ? 2 * static_cast<std::size_t>(inner) : 0;
}
/// Floats of scratch softmax_axis_grad needs: the columns' sums of dy * y.
constexpr std::size_t softmax_axis_grad_scratch(std::ptrdiff_t inner) {
  return inner > 1 ? static_cast<std::size_t>(inner) : 0;
}

/// y = softmax of x along the middle axis of (outer, n, inner); x and y may be the same array.
inline void softmax_axis(const float* x, float* y, std::ptrdiff_t outer, std::ptrdiff_t n, std::ptrdiff_t inner,
                         float* scratch) {
  if (outer <= 0 || n <= 0 || inner <= 0) return;
  if (inner == 1) {
    if (x != y) std::copy_n(x, outer * n, y);
    softmax_rows(y, outer, n);
    return;
  }
  float* const m = scratch;
  float* const s = scratch + inner;
  for (std::ptrdiff_t o = 0; o < outer; ++o) {
    const float* xb = x + o * n * inner;
    float* yb = y + o * n * inner;
    std::copy_n(xb, inner, m);
    for (std::ptrdiff_t k = 1; k < n; ++k) {
      const float* row = xb + k * inner;
      for (std::ptrdiff_t i = 0; i < inner; ++i) m[i] = row[i] > m[i] ? row[i] : m[i];
    }
    std::fill_n(s, inner, 0.0f);
    for (std::ptrdiff_t k = 0; k < n; ++k) {
      const float* row = xb + k * inner;
      float* out = yb + k * inner;
      for (std::ptrdiff_t i = 0; i < inner; ++i) {
        out[i] = std::exp(row[i] - m[i]);
        s[i] += out[i];
      }
    }
    for (std::ptrdiff_t i = 0; i < inner; ++i) s[i] = 1.0f / s[i];
    for (std::ptrdiff_t k = 0; k < n; ++k) {
      float* out = yb + k * inner;
      for (std::ptrdiff_t i = 0; i < inner; ++i) out[i] *= s[i];
    }
  }
}

/// dx = y * (dy - sum(dy * y)) along the middle axis of (outer, n, inner), from the output y. dx may alias dy.
inline void softmax_axis_grad(const float* y, const float* dy, float* dx, std::ptrdiff_t outer, std::ptrdiff_t n,
                              std::ptrdiff_t inner, float* scratch) {
  if (outer <= 0 || n <= 0 || inner <= 0) return;
  if (inner == 1) {
    softmax_rows_grad(y, dy, dx, outer, n);
    return;
  }
  float* const d = scratch;
  for (std::ptrdiff_t o = 0; o < outer; ++o) {
    const std::ptrdiff_t base = o * n * inner;
    std::fill_n(d, inner, 0.0f);
    for (std::ptrdiff_t k = 0; k < n; ++k) {
      const float* yr = y + base + k * inner;
      const float* gr = dy + base + k * inner;
      for (std::ptrdiff_t i = 0; i < inner; ++i) d[i] += gr[i] * yr[i];
    }
    for (std::ptrdiff_t k = 0; k < n; ++k) {
      const float* yr = y + base + k * inner;
      const float* gr = dy + base + k * inner;
      float* out = dx + base + k * inner;
      for (std::ptrdiff_t i = 0; i < inner; ++i) out[i] = yr[i] * (gr[i] - d[i]);
    }
  }
}

namespace reference {

/// softmax_axis, one column at a time in double.
inline void softmax_axis(const float* x, float* y, std::ptrdiff_t outer, std::ptrdiff_t n, std::ptrdiff_t inner) {
  for (std::ptrdiff_t o = 0; o < outer; ++o)
    for (std::ptrdiff_t i = 0; i < inner; ++i) {
      const std::ptrdiff_t first = o * n * inner + i;
      double m = x[first];
      for (std::ptrdiff_t k = 1; k < n; ++k) m = std::max(m, static_cast<double>(x[first + k * inner]));
      double s = 0.0;
      for (std::ptrdiff_t k = 0; k < n; ++k) s += std::exp(x[first + k * inner] - m);
      for (std::ptrdiff_t k = 0; k < n; ++k) y[first + k * inner] = static_cast<float>(std::exp(x[first + k * inner] - m) / s);
    }
}

/// softmax_axis_grad, one column at a time in double.
inline void softmax_axis_grad(const float* y, const float* dy, float* dx, std::ptrdiff_t outer, std::ptrdiff_t n,
                              std::ptrdiff_t inner) {
  for (std::ptrdiff_t o = 0; o < outer; ++o)
    for (std::ptrdiff_t i = 0; i < inner; ++i) {
      const std::ptrdiff_t first = o * n * inner + i;
      double d = 0.0;
      for (std::ptrdiff_t k = 0; k < n; ++k) d += static_cast<double>(dy[first + k * inner]) * y[first + k * inner];
      for (std::ptrdiff_t k = 0; k < n; ++k)
        dx[first + k * inner] = static_cast<float>(y[first + k * inner] * (dy[first + k * inner] - d));
    }
}

}  // namespace reference
}  // namespace tshape::kernels::activation
