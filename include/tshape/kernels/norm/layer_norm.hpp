// Layer normalization over the last axis, as Keras' LayerNormalization(axis=-1) computes it: each row
// of c features is normalized by its own mean and biased variance,
//   y = gamma * (x - mean) / sqrt(variance + epsilon) + beta,
// then (backward) dx from dy through the row statistics. layer_norm_reference is the plain twin in
// double that the tests compare against.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "../../config.hpp"
#include "../simd/simd.hpp"

namespace tshape::kernels::norm {

namespace detail {
/// The sum of a register's lanes, through memory: g++ 12 warns inside its own header on AVX-512's
/// reduce_add (-Wmaybe-uninitialized).
template <class V>
inline float lane_sum(typename V::reg v) {
  float lanes[V::width];
  V::store(lanes, v);
  float s = 0.0f;
  for (int i = 0; i < V::width; ++i) s += lanes[i];
  return s;
}
}  // namespace detail

/// y (rows, c) = layer_norm(x); gamma or beta null: scale 1 or shift 0 (Keras' scale/center off).
/// mean and inv_std (rows floats each), when not null, get each row's statistics (for backward).
template <class V = simd::native>
void layer_norm(const float* x, float* y, std::ptrdiff_t rows, int c, const float* gamma, const float* beta,
                float epsilon, float* mean = nullptr, float* inv_std = nullptr) {
  constexpr int W = V::width;
  const float inv_c = 1.0f / static_cast<float>(c);
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    typename V::reg acc = V::zero();
    int i = 0;
    for (; i + W <= c; i += W) acc = V::add(acc, V::load(xr + i));
    float sum = detail::lane_sum<V>(acc);
    for (int j = i; j < c; ++j) sum += xr[j];
    const float m = sum * inv_c;
    // The variance around the mean, in a second pass (no cancellation for rows far from zero).
    const typename V::reg neg_m = V::broadcast(-m);
    typename V::reg sq = V::zero();
    for (i = 0; i + W <= c; i += W) {
      const typename V::reg d = V::add(V::load(xr + i), neg_m);
      sq = V::fma(d, d, sq);
    }
    float sum_sq = detail::lane_sum<V>(sq);
    for (int j = i; j < c; ++j) sum_sq += (xr[j] - m) * (xr[j] - m);
    const float variance = std::max(sum_sq * inv_c, 0.0f);
    const float inv = 1.0f / std::sqrt(variance + epsilon);
    if (mean) mean[r] = m;
    if (inv_std) inv_std[r] = inv;
    const typename V::reg vinv = V::broadcast(inv);
    for (i = 0; i < c; i += W) {
      const int n = c - i < W ? c - i : W;
      const typename V::reg d = V::mul(V::add(n == W ? V::load(xr + i) : V::load_partial(xr + i, n), neg_m), vinv);
      typename V::reg s = gamma ? (n == W ? V::load(gamma + i) : V::load_partial(gamma + i, n)) : V::broadcast(1.0f);
      typename V::reg b = beta ? (n == W ? V::load(beta + i) : V::load_partial(beta + i, n)) : V::zero();
      const typename V::reg out = V::fma(d, s, b);
      if (n == W)
        V::store(yr + i, out);
      else
        V::store_partial(yr + i, out, n);
    }
  }
}

/// The backward pass of layer_norm from each row's mean and inv_std: dx (rows, c) when not null
/// (overwritten), and dgamma, dbeta (c each) ADDED to when not null. gamma null: scale 1.
inline void layer_norm_backward(const float* x, const float* dy, float* dx, std::ptrdiff_t rows, int c,
                                const float* gamma, const float* mean, const float* inv_std, float* dgamma,
                                float* dbeta) {
  const float inv_c = 1.0f / static_cast<float>(c);
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    const float* dyr = dy + r * c;
    const float m = mean[r], inv = inv_std[r];
    float sum_g = 0.0f, sum_gx = 0.0f;
    for (int i = 0; i < c; ++i) {
      const float xhat = (xr[i] - m) * inv;
      const float g = dyr[i] * (gamma ? gamma[i] : 1.0f);
      sum_g += g;
      sum_gx += g * xhat;
      if (dgamma) dgamma[i] += dyr[i] * xhat;
      if (dbeta) dbeta[i] += dyr[i];
    }
    if (!dx) continue;
    const float a = sum_g * inv_c, b = sum_gx * inv_c;
    float* dxr = dx + r * c;
    for (int i = 0; i < c; ++i) {
      const float xhat = (xr[i] - m) * inv;
      const float g = dyr[i] * (gamma ? gamma[i] : 1.0f);
      dxr[i] = inv * (g - a - xhat * b);
    }
  }
}

/// The plain twin of layer_norm, in double.
inline void layer_norm_reference(const float* x, float* y, std::ptrdiff_t rows, int c, const float* gamma,
                                 const float* beta, double epsilon) {
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    double m = 0.0, v = 0.0;
    for (int i = 0; i < c; ++i) m += x[r * c + i];
    m /= c;
    for (int i = 0; i < c; ++i) v += (x[r * c + i] - m) * (x[r * c + i] - m);
    v /= c;
    const double inv = 1.0 / std::sqrt(v + epsilon);
    for (int i = 0; i < c; ++i)
      y[r * c + i] = static_cast<float>((x[r * c + i] - m) * inv * (gamma ? gamma[i] : 1.0) + (beta ? beta[i] : 0.0));
  }
}

}  // namespace tshape::kernels::norm
