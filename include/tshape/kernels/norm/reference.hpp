// The plain twin of batch_norm_train.hpp: the moments and the gradient of batch normalization as
// their formulas read, in double. Tests compare every SIMD path against it; nothing else uses it.
#pragma once
#include <cstddef>
#include <vector>

namespace tshape::kernels::norm {

/// mean and biased variance (divided by rows) of x (rows, c) per channel.
inline void batch_moments_reference(const float* x, std::ptrdiff_t rows, int c, float* mean, float* variance) {
  for (int i = 0; i < c; ++i) {
    double sum = 0.0;
    for (std::ptrdiff_t r = 0; r < rows; ++r) sum += x[r * c + i];
    const double m = sum / static_cast<double>(rows);
    double squares = 0.0;
    for (std::ptrdiff_t r = 0; r < rows; ++r) squares += (x[r * c + i] - m) * (x[r * c + i] - m);
    mean[i] = static_cast<float>(m);
    variance[i] = static_cast<float>(squares / static_cast<double>(rows));
  }
}

/// sum_dy, sum_dy_xhat (c each) and dx (rows, c; may be null) of y = gamma * x_hat + beta,
/// x_hat = (x - mean) * inv_std; with batch_statistics, mean and inv_std are functions of x.
inline void batch_norm_backward_reference(const float* x, const float* dy, float* dx, std::ptrdiff_t rows, int c,
                                          const float* gamma, const float* mean, const float* inv_std,
                                          bool batch_statistics, float* sum_dy, float* sum_dy_xhat) {
  std::vector<double> s(static_cast<std::size_t>(c)), sx(static_cast<std::size_t>(c));
  for (int i = 0; i < c; ++i)
    for (std::ptrdiff_t r = 0; r < rows; ++r) {
      const double g = dy[r * c + i], xhat = (static_cast<double>(x[r * c + i]) - mean[i]) * inv_std[i];
      s[static_cast<std::size_t>(i)] += g;
      sx[static_cast<std::size_t>(i)] += g * xhat;
    }
  for (int i = 0; i < c; ++i) {
    const auto k = static_cast<std::size_t>(i);
    sum_dy[i] = static_cast<float>(s[k]);
    sum_dy_xhat[i] = static_cast<float>(sx[k]);
    if (!dx) continue;
    for (std::ptrdiff_t r = 0; r < rows; ++r) {
      const double g = dy[r * c + i], xhat = (static_cast<double>(x[r * c + i]) - mean[i]) * inv_std[i];
      const double centred = batch_statistics ? g - (s[k] + xhat * sx[k]) / static_cast<double>(rows) : g;
      dx[r * c + i] = static_cast<float>(static_cast<double>(gamma[i]) * inv_std[i] * centred);
    }
  }
}

}  // namespace tshape::kernels::norm
