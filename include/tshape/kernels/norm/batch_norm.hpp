// Batch normalization at inference, as TensorFlow fuses it: y = x * scale + shift per channel of the
// last axis, with scale = gamma / sqrt(moving_variance + epsilon), shift = beta - moving_mean * scale.
#pragma once
#include <cmath>
#include <cstddef>

#include "../../config.hpp"
#include "../simd/simd.hpp"

namespace tshape::kernels::norm {

/// scale and shift (c floats each) from Keras' four arrays; gamma or beta may be null (1 and 0).
inline void batch_norm_coefficients(int c, const float* gamma, const float* beta, const float* mean,
                                    const float* variance, float epsilon, float* scale, float* shift) {
  TSHAPE_NO_UNROLL for (int i = 0; i < c; ++i) {
    const float s = (gamma ? gamma[i] : 1.0f) / std::sqrt(variance[i] + epsilon);
    scale[i] = s;
    shift[i] = (beta ? beta[i] : 0.0f) - mean[i] * s;
  }
}

/// y (rows, c) = x * scale + shift, per channel.
template <class V = simd::native>
void scale_shift(const float* x, float* y, std::ptrdiff_t rows, int c, const float* scale, const float* shift) {
  constexpr int W = V::width;
  TSHAPE_NO_UNROLL for (std::ptrdiff_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    int i = 0;
    for (; i + W <= c; i += W) V::store(yr + i, V::fma(V::load(xr + i), V::load(scale + i), V::load(shift + i)));
    for (; i < c; ++i) yr[i] = xr[i] * scale[i] + shift[i];
  }
}

}  // namespace tshape::kernels::norm
