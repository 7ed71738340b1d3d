// Activation math on floats, element by element (softmax: along the last axis). Layers name these
// through their option types (layers/activation.hpp); GEMM kernels fuse the element-wise ones into
// their stores. Each functor has a scalar form; the cheap ones also have a SIMD register form.
//
// Formulas follow Keras 2: sigmoid is the two-branch stable form, softplus is log(1 + e^x) without
// overflow, softmax subtracts the row maximum, gelu is exact (erf) unless asked to approximate.
#pragma once
#include <cmath>
#include <cstddef>

#include "../../config.hpp"
#include "../simd/simd.hpp"

namespace tshape::kernels::activation {

struct linear {
  static constexpr bool vectorized = true;
  float operator()(float x) const { return x; }
  template <class V>
  typename V::reg apply(typename V::reg x) const {
    return x;
  }
};

struct relu {
  static constexpr bool vectorized = true;
  float operator()(float x) const { return x > 0.0f ? x : 0.0f; }
  template <class V>
  typename V::reg apply(typename V::reg x) const {
    return V::max(x, V::zero());
  }
};

struct leaky_relu {
  float alpha = 0.3f;
  static constexpr bool vectorized = true;
  float operator()(float x) const { return x > 0.0f ? x : alpha * x; }
  template <class V>
  typename V::reg apply(typename V::reg x) const {
    // For 0 <= alpha <= 1, leaky_relu(x) = max(x, alpha * x): one multiply and one max.
    if (alpha >= 0.0f && alpha <= 1.0f) return V::max(x, V::mul(x, V::broadcast(alpha)));
    float lanes[V::width];
    V::store(lanes, x);
    for (float& v : lanes) v = (*this)(v);
    return V::load(lanes);
  }
};

struct sigmoid {
  static constexpr bool vectorized = false;
  float operator()(float x) const {
    if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
    const float e = std::exp(x);
    return e / (1.0f + e);
  }
};

struct tanh {
  static constexpr bool vectorized = false;
  float operator()(float x) const { return std::tanh(x); }
};

struct elu {
  float alpha = 1.0f;
  static constexpr bool vectorized = false;
  float operator()(float x) const { return x > 0.0f ? x : alpha * std::expm1(x); }
};

struct gelu {
  bool approximate = false;
  static constexpr bool vectorized = false;
  float operator()(float x) const {
    if (approximate) {
      constexpr float c = 0.7978845608028654f;  // sqrt(2 / pi)
      return 0.5f * x * (1.0f + std::tanh(c * (x + 0.044715f * x * x * x)));
    }
    return 0.5f * x * (1.0f + std::erf(x * 0.7071067811865476f));
  }
};

struct softplus {
  static constexpr bool vectorized = false;
  float operator()(float x) const { return (x > 0.0f ? x : 0.0f) + std::log1p(std::exp(-std::fabs(x))); }
};

struct swish {
  static constexpr bool vectorized = false;
  float operator()(float x) const { return x * sigmoid{}(x); }
};

/// Applies an element-wise activation to n floats in place.
template <class Act>
void apply_inplace(const Act& act, float* p, std::ptrdiff_t n) {
  using V = simd::native;
  std::ptrdiff_t i = 0;
  if constexpr (Act::vectorized) {
    for (; i + V::width <= n; i += V::width) V::store(p + i, act.template apply<V>(V::load(p + i)));
  }
  for (; i < n; ++i) p[i] = act(p[i]);
}

/// Softmax over each row of `rows` x `cols` floats in place: exp(x - max) / sum.
inline void softmax_rows(float* p, std::ptrdiff_t rows, std::ptrdiff_t cols) {
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    float* row = p + r * cols;
    float m = row[0];
    for (std::ptrdiff_t j = 1; j < cols; ++j) m = row[j] > m ? row[j] : m;
    float s = 0.0f;
    for (std::ptrdiff_t j = 0; j < cols; ++j) {
      row[j] = std::exp(row[j] - m);
      s += row[j];
    }
    const float inv = 1.0f / s;
    for (std::ptrdiff_t j = 0; j < cols; ++j) row[j] *= inv;
  }
}

}  // namespace tshape::kernels::activation
