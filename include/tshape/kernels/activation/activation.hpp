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
  static constexpr bool grad_from_output = true;
  float operator()(float x) const { return x; }
  float grad(float, float) const { return 1.0f; }
  template <class V>
  typename V::reg apply(typename V::reg x) const {
    return x;
  }
  template <class V>
  typename V::reg times_grad(typename V::reg dy, typename V::reg, typename V::reg) const {
    return dy;
  }
};

struct relu {
  static constexpr bool vectorized = true;
  static constexpr bool grad_from_output = true;
  float operator()(float x) const { return x > 0.0f ? x : 0.0f; }
  float grad(float, float y) const { return y > 0.0f ? 1.0f : 0.0f; }  // 0 at 0, as TensorFlow
  template <class V>
  typename V::reg apply(typename V::reg x) const {
    return V::max(x, V::zero());
  }
  template <class V>
  typename V::reg times_grad(typename V::reg dy, typename V::reg, typename V::reg y) const {
    return V::select_greater(y, V::zero(), dy, V::zero());
  }
};

struct leaky_relu {
  float alpha = 0.3f;
  static constexpr bool vectorized = true;
  static constexpr bool grad_from_output = false;
  float operator()(float x) const { return x > 0.0f ? x : alpha * x; }
  float grad(float x, float) const { return x > 0.0f ? 1.0f : alpha; }
  template <class V>
  typename V::reg times_grad(typename V::reg dy, typename V::reg x, typename V::reg) const {
    return V::select_greater(x, V::zero(), dy, V::mul(dy, V::broadcast(alpha)));
  }
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
  static constexpr bool grad_from_output = true;
  float grad(float, float y) const { return y * (1.0f - y); }
  template <class V>
  typename V::reg times_grad(typename V::reg dy, typename V::reg, typename V::reg y) const {
    return V::mul(dy, V::mul(y, V::sub(V::broadcast(1.0f), y)));
  }
  float operator()(float x) const {
    if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
    const float e = std::exp(x);
    return e / (1.0f + e);
  }
};

struct tanh {
  static constexpr bool vectorized = false;
  static constexpr bool grad_from_output = true;
  float grad(float, float y) const { return 1.0f - y * y; }
  template <class V>
  typename V::reg times_grad(typename V::reg dy, typename V::reg, typename V::reg y) const {
    return V::mul(dy, V::sub(V::broadcast(1.0f), V::mul(y, y)));
  }
  float operator()(float x) const { return std::tanh(x); }
};

struct elu {
  float alpha = 1.0f;
  static constexpr bool vectorized = false;
  static constexpr bool grad_from_output = false;
  float operator()(float x) const { return x > 0.0f ? x : alpha * std::expm1(x); }
  float grad(float x, float) const { return x > 0.0f ? 1.0f : alpha * std::exp(x); }
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
  static constexpr bool grad_from_output = false;
  float grad(float x, float) const {
    if (approximate) {
      constexpr float c = 0.7978845608028654f;
      const float u = c * (x + 0.044715f * x * x * x);
      const float t = std::tanh(u);
      return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * c * (1.0f + 3.0f * 0.044715f * x * x);
    }
    // Phi(x) + x * phi(x)
    return 0.5f * (1.0f + std::erf(x * 0.7071067811865476f)) + x * 0.3989422804014327f * std::exp(-0.5f * x * x);
  }
};

struct softplus {
  static constexpr bool vectorized = false;
  float operator()(float x) const { return (x > 0.0f ? x : 0.0f) + std::log1p(std::exp(-std::fabs(x))); }
  // sigmoid(x) = 1 - exp(-softplus(x)), from the output without cancellation.
  static constexpr bool grad_from_output = true;
  float grad(float, float y) const { return -std::expm1(-y); }
};

struct swish {
  static constexpr bool vectorized = false;
  float operator()(float x) const { return x * sigmoid{}(x); }
  static constexpr bool grad_from_output = false;
  float grad(float x, float) const {
    const float s = sigmoid{}(x);
    return s + x * s * (1.0f - s);
  }
};

// The piecewise-linear activations of MobileNet, as Keras 3 defines them. Their derivatives follow
// TensorFlow's at the kinks: relu6' is 1 strictly inside (0, 6), so it comes from the output alone.

/// min(max(x, 0), 6).
struct relu6 {
  static constexpr bool vectorized = true;
  static constexpr bool grad_from_output = true;
  float operator()(float x) const { return x > 0.0f ? (x < 6.0f ? x : 6.0f) : 0.0f; }
  float grad(float, float y) const { return y > 0.0f && y < 6.0f ? 1.0f : 0.0f; }
  template <class V>
  typename V::reg apply(typename V::reg x) const {
    return V::min(V::max(x, V::zero()), V::broadcast(6.0f));
  }
  template <class V>
  typename V::reg times_grad(typename V::reg dy, typename V::reg, typename V::reg y) const {
    return V::select_greater(y, V::zero(), V::select_greater(V::broadcast(6.0f), y, dy, V::zero()), V::zero());
  }
};

/// relu6(x + 3) / 6 (Keras 3's hard_sigmoid; Keras 2's was clip(0.2 x + 0.5, 0, 1)).
struct hard_sigmoid {
  static constexpr bool vectorized = true;
  static constexpr bool grad_from_output = true;
  float operator()(float x) const { return relu6{}(x + 3.0f) * (1.0f / 6.0f); }
  float grad(float, float y) const { return y > 0.0f && y < 1.0f ? 1.0f / 6.0f : 0.0f; }
  template <class V>
  typename V::reg apply(typename V::reg x) const {
    return V::mul(relu6{}.apply<V>(V::add(x, V::broadcast(3.0f))), V::broadcast(1.0f / 6.0f));
  }
  template <class V>
  typename V::reg times_grad(typename V::reg dy, typename V::reg, typename V::reg y) const {
    const typename V::reg inside = V::select_greater(V::broadcast(1.0f), y, V::mul(dy, V::broadcast(1.0f / 6.0f)), V::zero());
    return V::select_greater(y, V::zero(), inside, V::zero());
  }
};

/// x * relu6(x + 3) / 6 (Keras 3's hard_swish, also hard_silu).
struct hard_swish {
  static constexpr bool vectorized = true;
  static constexpr bool grad_from_output = false;
  float operator()(float x) const { return x * hard_sigmoid{}(x); }
  // hard_sigmoid(x) + x * hard_sigmoid'(x): 0 up to -3, (2x + 3) / 6 between, 1 from 3 on.
  float grad(float x, float) const {
    if (x <= -3.0f) return 0.0f;
    if (x >= 3.0f) return 1.0f;
    return (2.0f * x + 3.0f) * (1.0f / 6.0f);
  }
  template <class V>
  typename V::reg apply(typename V::reg x) const {
    return V::mul(x, hard_sigmoid{}.apply<V>(x));
  }
};

/// Applies an element-wise activation to n floats in place.
template <class Act>
void apply_inplace(const Act& act, float* p, std::ptrdiff_t n) {
  using V = simd::native;
  // Pointers, not an index: g++ 12 -O3 otherwise imagines an index past 2^62 in some inlined callers
  // and refuses the loop (-Waggressive-loop-optimizations).
  float* const end = p + (n > 0 ? n : 0);
  if constexpr (Act::vectorized) {
    for (; end - p >= V::width; p += V::width) V::store(p, act.template apply<V>(V::load(p)));
  }
  for (; p < end; ++p) *p = act(*p);
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

/// dx = dy * act'(x) for n elements, act' from the pre-activation x or the output y (whichever the
/// activation needs: grad_from_output says; the other may be null). dx may alias dy.
/// The cheap ones (times_grad) run on V's registers: left to the vectoriser, g++ -O2 kept them
/// scalar, and a ReLU's gradient took a fifth of a small CNN's training step.
template <class Act, class V = simd::native>
void apply_grad(const Act& act, const float* x, const float* y, const float* dy, float* dx, std::ptrdiff_t n) {
  // Only the one the activation needs is read and advanced: the other may be null (a layer keeps no
  // pre-activation for an activation whose derivative comes from its output). Pointers, not an
  // index, as in apply_inplace: g++ 12 -O3 otherwise imagines an index past 2^62 in some inlined
  // callers and refuses the loop (-Waggressive-loop-optimizations).
  const float* in = Act::grad_from_output ? y : x;
  const float* const end = dy + (n > 0 ? n : 0);
  if constexpr (requires(typename V::reg r) { act.template times_grad<V>(r, r, r); }) {
    for (; end - dy >= V::width; dy += V::width, dx += V::width, in += V::width) {
      if constexpr (Act::grad_from_output)
        V::store(dx, act.template times_grad<V>(V::load(dy), V::zero(), V::load(in)));
      else
        V::store(dx, act.template times_grad<V>(V::load(dy), V::load(in), V::zero()));
    }
  }
  for (; dy < end; ++dy, ++dx, ++in) *dx = *dy * (Act::grad_from_output ? act.grad(0.0f, *in) : act.grad(*in, 0.0f));
}

/// The softmax's backward along rows: dx = y * (dy - sum(dy * y)), from the output y. dx may alias dy.
inline void softmax_rows_grad(const float* y, const float* dy, float* dx, std::ptrdiff_t rows, std::ptrdiff_t cols) {
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    float* o = dx + r * cols;
    double dot = 0.0;
    for (std::ptrdiff_t j = 0; j < cols; ++j) dot += static_cast<double>(gr[j]) * yr[j];
    for (std::ptrdiff_t j = 0; j < cols; ++j) o[j] = yr[j] * (gr[j] - static_cast<float>(dot));
  }
}

}  // namespace tshape::kernels::activation
