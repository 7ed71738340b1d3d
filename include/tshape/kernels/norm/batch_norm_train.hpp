// Batch normalization in training: the batch's statistics per channel of the last axis, and the
// gradient. Plain loops: training is not the hot path, and these are their own reference.
//
// Sums over many rows are taken in blocks (a float sum per block, the blocks added up), so that the
// rounding error grows with the block length plus the number of blocks, not with the row count.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "../../config.hpp"

namespace tshape::kernels::norm {

inline constexpr std::ptrdiff_t sum_block_rows = 64;

/// out[i] = sum over r < rows of value(r, i), for i < c; `partial` holds c floats of working memory.
template <class F>
void column_sums(std::ptrdiff_t rows, int c, float* out, float* partial, F&& value) {
  std::fill_n(out, c, 0.0f);
  for (std::ptrdiff_t r0 = 0; r0 < rows; r0 += sum_block_rows) {
    std::fill_n(partial, c, 0.0f);
    const std::ptrdiff_t r1 = std::min(rows, r0 + sum_block_rows);
    for (std::ptrdiff_t r = r0; r < r1; ++r)
      for (int i = 0; i < c; ++i) partial[i] += value(r, i);
    for (int i = 0; i < c; ++i) out[i] += partial[i];
  }
}

/// The mean and the biased variance (divided by rows) of x (rows, c) per channel, two passes;
/// `partial` holds c floats. rows > 0. Out of line, as the gradient below: inlined where c is a
/// constant, each was a copy per layer shape, for no speed.
TSHAPE_NOINLINE inline void batch_moments(const float* x, std::ptrdiff_t rows, int c, float* mean, float* variance, float* partial) {
  const float inv_rows = 1.0f / static_cast<float>(rows);
  column_sums(rows, c, mean, partial, [&](std::ptrdiff_t r, int i) { return x[r * c + i]; });
  for (int i = 0; i < c; ++i) mean[i] *= inv_rows;
  column_sums(rows, c, variance, partial, [&](std::ptrdiff_t r, int i) {
    const float d = x[r * c + i] - mean[i];
    return d * d;
  });
  for (int i = 0; i < c; ++i) variance[i] *= inv_rows;
}

/// The gradient of y = gamma * (x - mean) * inv_std + beta over x (rows, c), given dy.
/// sum_dy and sum_dy_xhat (c floats each) receive sum dy and sum dy * x_hat per channel (the
/// gradients of beta and gamma); `partial` holds c floats. With batch_statistics, mean and inv_std
/// were the batch's own, so they depend on x:
///   dx = gamma * inv_std * (dy - sum_dy / rows - x_hat * sum_dy_xhat / rows);
/// without (the moving statistics, constants), dx = dy * gamma * inv_std. dx may be null.
TSHAPE_NOINLINE inline void batch_norm_backward(const float* x, const float* dy, float* dx, std::ptrdiff_t rows, int c,
                                const float* gamma, const float* mean, const float* inv_std, bool batch_statistics,
                                float* sum_dy, float* sum_dy_xhat, float* partial) {
  column_sums(rows, c, sum_dy, partial, [&](std::ptrdiff_t r, int i) { return dy[r * c + i]; });
  column_sums(rows, c, sum_dy_xhat, partial,
              [&](std::ptrdiff_t r, int i) { return dy[r * c + i] * ((x[r * c + i] - mean[i]) * inv_std[i]); });
  if (!dx) return;
  const float inv_rows = 1.0f / static_cast<float>(rows);
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    const float* dyr = dy + r * c;
    float* dxr = dx + r * c;
    for (int i = 0; i < c; ++i) {
      const float k = gamma[i] * inv_std[i];
      if (batch_statistics) {
        const float xhat = (xr[i] - mean[i]) * inv_std[i];
        dxr[i] = k * (dyr[i] - sum_dy[i] * inv_rows - xhat * sum_dy_xhat[i] * inv_rows);
      } else {
        dxr[i] = k * dyr[i];
      }
    }
  }
}

}  // namespace tshape::kernels::norm
