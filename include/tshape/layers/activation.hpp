// Activations, as options of other layers (Dense<64, ReLU>) and as layers of their own
// (Sequential<..., ReLU, ...>). Keras' class names are kept: ReLU, Softmax, LeakyReLU and ELU are
// layer classes in Keras; the others appear there as Activation('sigmoid') etc.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../kernels/activation/activation.hpp"
#include "../shape/shape.hpp"
#include "layer.hpp"
#include "softmax_axis.hpp"

namespace tshape {

namespace detail {
struct activation_tag {};

/// Applies the activation option Act to `rows` x `cols` floats in place (softmax: along each row).
template <class Act>
void apply_activation(float* y, std::ptrdiff_t rows, std::ptrdiff_t cols) {
  if constexpr (Act::row_wise)
    kernels::activation::softmax_rows(y, rows, cols);
  else
    kernels::activation::apply_inplace(Act::function(), y, rows * cols);
}

/// dz = dy * Act'(z) for `rows` x `cols` floats, from the pre-activation z or the output y (softmax:
/// along each row, from y). dz may alias dy.
template <class Act>
void apply_activation_grad(const float* z, const float* y, const float* dy, float* dz, std::ptrdiff_t rows,
                           std::ptrdiff_t cols) {
  if constexpr (Act::row_wise)
    kernels::activation::softmax_rows_grad(y, dy, dz, rows, cols);
  else if constexpr (std::is_same_v<decltype(Act::function()), kernels::activation::linear>) {
    if (dz != dy) std::copy_n(dy, rows * cols, dz);
  } else
    kernels::activation::apply_grad(Act::function(), z, y, dy, dz, rows * cols);
}

template <class Act, class In>
struct activation_layer : no_parameters {
  using input_shape = In;
  using output_shape = In;
  static constexpr std::ptrdiff_t cols = In::rank > 0 ? last_extent_v<In> : 1;

  void forward(const float* x, float* y, int batch, float*) const {
    if (batch <= 0) return;  // also tells g++ that the sizes below are positive (-Wstringop-overflow)
    constexpr std::ptrdiff_t n = sample_size<In>;
    std::copy(x, x + n * batch, y);
    apply_activation<Act>(y, n * batch / std::max<std::ptrdiff_t>(cols, 1), cols);
  }
  void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float*, float*,
                activation_layer&, const train_context&) const {
    if (!dx || batch <= 0) return;
    constexpr std::ptrdiff_t n = sample_size<In>;
    apply_activation_grad<Act>(x, y, dy, dx, n * batch / std::max<std::ptrdiff_t>(cols, 1), cols);
  }
};

/// void, or the mistake in an activation's own value (LeakyReLU::alpha<1, 0>), which the model
/// reports where the activation is a layer and where a layer fuses it (Dense, the convolutions).
template <class A>
struct activation_rule {
  using type = void;
};
template <class A>
  requires requires { typename A::option_rule; }
struct activation_rule<A> {
  using type = typename A::option_rule;
};
template <class A>
using activation_rule_t = typename activation_rule<A>::type;

/// The members shared by every activation spec; Fn is the element-wise math (kernels/activation).
template <class Self, class Fn, bool RowWise = false>
struct activation_spec : activation_tag, functional_call<Self> {
  static constexpr bool row_wise = RowWise;
  static constexpr std::string_view keras_class = "Activation";
  static constexpr std::string_view keras_name = "activation";
  static constexpr Fn function() { return Fn{}; }
  template <int... D>
  static constexpr auto infer(Shape<D...> s) {
    if constexpr (!std::is_void_v<activation_rule_t<Self>>)
      return activation_rule_t<Self>{};
    else
      return s;
  }
  template <class In>
  using bind = activation_layer<Self, In>;
};
}  // namespace detail

template <class T>
inline constexpr bool is_activation_v = std::is_base_of_v<detail::activation_tag, T>;
template <class T>
struct is_activation : std::bool_constant<is_activation_v<T>> {};

/// Identity; the default activation of Dense and Conv2D.
struct Linear : detail::activation_spec<Linear, kernels::activation::linear> {};
/// max(x, 0).
struct ReLU : detail::activation_spec<ReLU, kernels::activation::relu> {
  static constexpr std::string_view keras_class = "ReLU";
  static constexpr std::string_view keras_name = "re_lu";
};
/// 1 / (1 + exp(-x)), computed without overflow.
struct Sigmoid : detail::activation_spec<Sigmoid, kernels::activation::sigmoid> {};
struct Tanh : detail::activation_spec<Tanh, kernels::activation::tanh> {};
/// exp(x - max) / sum over the last axis.
struct Softmax : detail::activation_spec<Softmax, kernels::activation::linear, true> {
  static constexpr std::string_view keras_class = "Softmax";
  static constexpr std::string_view keras_name = "softmax";
  /// Keras' Softmax(axis=A), A counted as Keras counts it: layers/softmax_axis.hpp.
  template <int A>
  using axis = std::conditional_t<A == -1, Softmax, SoftmaxAxis<A>>;
};
/// log(1 + exp(x)).
struct Softplus : detail::activation_spec<Softplus, kernels::activation::softplus> {};
/// x * sigmoid(x) (also known as SiLU).
struct Swish : detail::activation_spec<Swish, kernels::activation::swish> {};

/// min(max(x, 0), 6): Keras' ReLU(max_value=6), MobileNet's activation (Activation("relu6") in Keras 3).
struct ReLU6 : detail::activation_spec<ReLU6, kernels::activation::relu6> {
  static constexpr std::string_view keras_class = "ReLU";
  static constexpr std::string_view keras_name = "re_lu";
};
/// relu6(x + 3) / 6, Keras 3's hard_sigmoid.
struct HardSigmoid : detail::activation_spec<HardSigmoid, kernels::activation::hard_sigmoid> {};
/// x * relu6(x + 3) / 6, Keras 3's hard_swish (MobileNetV3).
struct HardSwish : detail::activation_spec<HardSwish, kernels::activation::hard_swish> {};

/// x for x > 0, else alpha * x, with alpha = Num / Den.
template <int Num, int Den = 1>
struct LeakyReLUAlpha : detail::activation_spec<LeakyReLUAlpha<Num, Den>, kernels::activation::leaky_relu> {
  static constexpr std::string_view keras_class = "LeakyReLU";
  static constexpr std::string_view keras_name = "leaky_re_lu";
  using option_rule =
      std::conditional_t<(Den > 0), void, mismatch<error::BAD_OPTION_VALUE, error::alpha_denominator_must_be_positive<Num, Den>>>;
  static constexpr kernels::activation::leaky_relu function() { return {Den > 0 ? static_cast<float>(Num) / Den : 0.0f}; }
};
/// Keras' LeakyReLU layer: alpha 0.3. Another alpha: LeakyReLU::alpha<1, 10>.
struct LeakyReLU : LeakyReLUAlpha<3, 10> {
  template <int Num, int Den = 1>
  using alpha = LeakyReLUAlpha<Num, Den>;
  template <class In>
  using bind = detail::activation_layer<LeakyReLU, In>;
};

/// x for x > 0, else alpha * (exp(x) - 1), with alpha = Num / Den.
template <int Num, int Den = 1>
struct ELUAlpha : detail::activation_spec<ELUAlpha<Num, Den>, kernels::activation::elu> {
  static constexpr std::string_view keras_class = "ELU";
  static constexpr std::string_view keras_name = "elu";
  using option_rule =
      std::conditional_t<(Den > 0), void, mismatch<error::BAD_OPTION_VALUE, error::alpha_denominator_must_be_positive<Num, Den>>>;
  static constexpr kernels::activation::elu function() { return {Den > 0 ? static_cast<float>(Num) / Den : 0.0f}; }
};
/// Keras' ELU: alpha 1. Another alpha: ELU::alpha<1, 2>.
struct ELU : ELUAlpha<1, 1> {
  template <int Num, int Den = 1>
  using alpha = ELUAlpha<Num, Den>;
  template <class In>
  using bind = detail::activation_layer<ELU, In>;
};

/// x * Phi(x), exact (erf). GELU::approximate is the tanh form.
struct GELU : detail::activation_spec<GELU, kernels::activation::gelu> {
  struct approximate : detail::activation_spec<approximate, kernels::activation::gelu> {
    static constexpr kernels::activation::gelu function() { return {true}; }
  };
};

namespace detail {
/// True when a layer with the fused activation Act keeps its pre-activation for backward: the
/// activation's derivative needs it, or it is the Softmax or Sigmoid whose logits a cross-entropy reads.
template <class Act>
inline constexpr bool keeps_pre_activation =
    Act::row_wise || std::is_same_v<Act, Sigmoid> || !decltype(Act::function())::grad_from_output;
}  // namespace detail

}  // namespace tshape
