// Keras' optimizers (tf.keras 2.11+, the "new" optimizers), with Keras' defaults and update rules to
// the letter, epsilon placement included:
//   SGD      m = momentum * m - lr * g;  w += m  (nesterov: w += momentum * m - lr * g); no momentum: w -= lr * g
//   Adam     m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); w -= lr_t * m / (sqrt(v) + eps),
//            lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t)   (eps outside the bias correction, unlike PyTorch)
//   AdamW    w -= w * weight_decay * lr, then Adam
//   RMSprop  v = rho * v + (1 - rho) g^2; (centered: a = rho * a + (1 - rho) g; v - a^2)
//            step = lr * g / sqrt(v + eps) (eps inside the root); momentum: m = momentum * m + step; w -= m
//   Adagrad  acc += g^2; w -= lr * g / sqrt(acc + eps); acc starts at initial_accumulator_value
// Gradient clipping before the update, as Keras: clipnorm (each array to that norm), clipvalue (each
// element), global_clipnorm (all arrays together).
//
// An optimizer never names a layer: it updates one array at a time, given the weights, their gradient
// and its `slots` state arrays of the same size (train/trainer.hpp walks the model's arrays).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "../config.hpp"

namespace tshape {

// Every optimizer ends with Keras' gradient clipping (0: none), the same three members:
#define TSHAPE_OPTIMIZER_CLIPPING \
  float clipnorm = 0.0f;          \
  float clipvalue = 0.0f;         \
  float global_clipnorm = 0.0f;

struct SGD {
  static constexpr std::string_view keras_name = "SGD";
  float learning_rate = 0.01f;
  float momentum = 0.0f;
  bool nesterov = false;
  TSHAPE_OPTIMIZER_CLIPPING
  static constexpr int slots = 1;  // the momentum buffer (unused without momentum)
  /// One array: w, its gradient g and the slot m, n floats each; `iteration` counts from 1.
  void apply(float* w, const float* g, float* const* s, std::size_t n, std::int64_t) const {
    const float lr = learning_rate;
    if (momentum == 0.0f) {
      for (std::size_t i = 0; i < n; ++i) w[i] -= lr * g[i];
      return;
    }
    float* m = s[0];
    for (std::size_t i = 0; i < n; ++i) {
      m[i] = -g[i] * lr + m[i] * momentum;
      w[i] += nesterov ? -g[i] * lr + m[i] * momentum : m[i];
    }
  }
};

struct Adam {
  static constexpr std::string_view keras_name = "Adam";
  float learning_rate = 0.001f;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-7f;
  TSHAPE_OPTIMIZER_CLIPPING
  static constexpr int slots = 2;  // m and v
  void apply(float* w, const float* g, float* const* s, std::size_t n, std::int64_t iteration) const {
    const double t = static_cast<double>(iteration);
    const float alpha = static_cast<float>(learning_rate * std::sqrt(1.0 - std::pow(static_cast<double>(beta_2), t)) /
                                           (1.0 - std::pow(static_cast<double>(beta_1), t)));
    float* m = s[0];
    float* v = s[1];
    for (std::size_t i = 0; i < n; ++i) {
      m[i] += (g[i] - m[i]) * (1.0f - beta_1);
      v[i] += (g[i] * g[i] - v[i]) * (1.0f - beta_2);
      w[i] -= m[i] * alpha / (std::sqrt(v[i]) + epsilon);
    }
  }
};

struct AdamW {
  static constexpr std::string_view keras_name = "AdamW";
  float learning_rate = 0.001f;
  float weight_decay = 0.004f;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-7f;
  TSHAPE_OPTIMIZER_CLIPPING
  static constexpr int slots = 2;
  void apply(float* w, const float* g, float* const* s, std::size_t n, std::int64_t iteration) const {
    const float decay = weight_decay * learning_rate;
    for (std::size_t i = 0; i < n; ++i) w[i] -= w[i] * decay;
    Adam{learning_rate, beta_1, beta_2, epsilon}.apply(w, g, s, n, iteration);
  }
};

struct RMSprop {
  static constexpr std::string_view keras_name = "RMSprop";
  float learning_rate = 0.001f;
  float rho = 0.9f;
  float momentum = 0.0f;
  float epsilon = 1e-7f;
  bool centered = false;
  TSHAPE_OPTIMIZER_CLIPPING
  static constexpr int slots = 3;  // velocity, momentum, average gradient (centered)
  void apply(float* w, const float* g, float* const* s, std::size_t n, std::int64_t) const {
    float* v = s[0];
    float* mom = s[1];
    float* avg = s[2];
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = rho * v[i] + (1.0f - rho) * g[i] * g[i];
      float denominator = v[i];
      if (centered) {
        avg[i] = rho * avg[i] + (1.0f - rho) * g[i];
        denominator = v[i] - avg[i] * avg[i];
      }
      const float increment = learning_rate * g[i] / std::sqrt(denominator + epsilon);
      if (momentum > 0.0f) {
        mom[i] = momentum * mom[i] + increment;
        w[i] -= mom[i];
      } else {
        w[i] -= increment;
      }
    }
  }
};

struct Adagrad {
  static constexpr std::string_view keras_name = "Adagrad";
  float learning_rate = 0.001f;
  float initial_accumulator_value = 0.1f;
  float epsilon = 1e-7f;
  TSHAPE_OPTIMIZER_CLIPPING
  static constexpr int slots = 1;  // the accumulator
  /// The slots' starting values (the rest start at zero).
  float initial_slot(int) const { return initial_accumulator_value; }
  void apply(float* w, const float* g, float* const* s, std::size_t n, std::int64_t) const {
    float* acc = s[0];
    for (std::size_t i = 0; i < n; ++i) {
      acc[i] += g[i] * g[i];
      w[i] -= learning_rate * g[i] / std::sqrt(acc[i] + epsilon);
    }
  }
};

namespace detail {
/// The value slot k of optimizer O starts at.
template <class O>
float initial_slot(const O& o, int k) {
  if constexpr (requires { o.initial_slot(k); })
    return o.initial_slot(k);
  else
    return 0.0f;
}

/// sum of squares of n floats, in double. Out of line: inlined where n is a constant, it was unrolled
/// into every layer's step (tens of kilobytes of code for one clipnorm).
TSHAPE_NOINLINE inline double squared_norm(const float* g, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(g[i]) * g[i];
  return s;
}

/// Keras' clipping of one gradient array in place, after global_scale (from global_clipnorm).
template <class O>
void clip_gradient(const O& c, float* g, std::size_t n, float global_scale) {
  if (global_scale != 1.0f)
    for (std::size_t i = 0; i < n; ++i) g[i] *= global_scale;
  if (c.clipnorm > 0.0f) {
    const double norm = std::sqrt(squared_norm(g, n));
    if (norm > c.clipnorm) {
      const float k = static_cast<float>(c.clipnorm / norm);
      for (std::size_t i = 0; i < n; ++i) g[i] *= k;
    }
  }
  if (c.clipvalue > 0.0f)
    for (std::size_t i = 0; i < n; ++i) g[i] = std::clamp(g[i], -c.clipvalue, c.clipvalue);
}
}  // namespace detail

}  // namespace tshape
