// LayerNormalization<Options...>: Keras' LayerNormalization(axis=-1): each sample's vectors along the
// last axis are normalized by their own mean and biased variance,
//   y = gamma * (x - mean) / sqrt(variance + epsilon) + beta,
// the same in training and at inference (no moving statistics), and in a stream (each timestep alone). gamma and beta have one value per
// feature of the last axis; Keras' get_weights() order is gamma, beta.
//
// Options, in any order, with Keras' defaults: Epsilon<Num, Den> (1e-3: Epsilon<1, 1000>),
// Center<false> (no beta; default on), Scale<false> (no gamma; default on). PyTorch's nn.LayerNorm
// defaults to epsilon 1e-5: convert with care. Other axes than the last are not supported.
#pragma once
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../kernels/norm/layer_norm.hpp"
#include "layer.hpp"

namespace tshape {

/// A normalization's epsilon, Num / Den (positive), e.g. LayerNormalization<Epsilon<1, 100000>>.
template <int Num, int Den = 1>
struct Epsilon {
  static constexpr double value = Den != 0 ? static_cast<double>(Num) / Den : 0.0;
  static constexpr bool valid = Num > 0 && Den > 0;
};
/// Option: Center<false> drops beta, as Keras' center=False.
template <bool B>
struct Center {
  static constexpr bool value = B;
};
/// Option: Scale<false> drops gamma, as Keras' scale=False.
template <bool B>
struct Scale {
  static constexpr bool value = B;
};

namespace detail {
template <class T>
struct is_epsilon : std::false_type {};
template <int N, int D>
struct is_epsilon<Epsilon<N, D>> : std::true_type {};
template <class T>
struct is_center : std::false_type {};
template <bool B>
struct is_center<Center<B>> : std::true_type {};
template <class T>
struct is_scale : std::false_type {};
template <bool B>
struct is_scale<Scale<B>> : std::true_type {};
template <class O>
struct layer_norm_takes : std::bool_constant<is_epsilon<O>::value || is_center<O>::value || is_scale<O>::value> {};

template <class E>
struct epsilon_detail;
template <int N, int D>
struct epsilon_detail<Epsilon<N, D>> {
  using type = error::epsilon<N, D>;
};
}  // namespace detail

template <class... Options>
struct LayerNormalization : detail::functional_call<LayerNormalization<Options...>> {
  using epsilon_option = detail::option_t<detail::is_epsilon, Epsilon<1, 1000>, Options...>;
  using options_mistake =
      detail::options_rule_t<error::it_takes<Epsilon<1, 1000>, Center<false>, Scale<false>>, detail::layer_norm_takes,
                             detail::type_list<Options...>, detail::is_epsilon, detail::is_center, detail::is_scale>;
  /// void, or the option mistake the model reports (layer.hpp): an unknown or repeated option, or an
  /// epsilon that is not positive.
  using option_rule = std::conditional_t<
      !std::is_void_v<options_mistake>, options_mistake,
      std::conditional_t<epsilon_option::valid, void,
                         mismatch<error::BAD_OPTION_VALUE, typename detail::epsilon_detail<epsilon_option>::type>>>;

  static constexpr double epsilon = epsilon_option::value;
  static constexpr bool center = detail::option_t<detail::is_center, Center<true>, Options...>::value;
  static constexpr bool scale = detail::option_t<detail::is_scale, Scale<true>, Options...>::value;
  static constexpr std::string_view keras_class = "LayerNormalization";
  static constexpr std::string_view keras_name = "layer_normalization";

  template <int... D>
  static constexpr auto infer(Shape<D...> s) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else if constexpr (sizeof...(D) == 0)
      return mismatch<error::WRONG_RANK, error::expected_rank_at_least<1>, error::got<Shape<>>>{};
    else
      return s;
  }

  template <class In>
  class bind {
    static constexpr int C = last_extent_v<In>;
    static constexpr std::ptrdiff_t rows_per_sample = detail::sample_size<In> / C;
    using features = Shape<C>;
    struct none {};

   public:
    using input_shape = In;
    using output_shape = In;
    static constexpr long long param_count = (scale ? C : 0) + (center ? C : 0);
    static constexpr long long non_trainable_count = 0;
    static constexpr std::size_t scratch_floats(int) { return 0; }

    constexpr TensorView<float, features> gamma() requires scale { return gamma_.view(); }
    constexpr TensorView<const float, features> gamma() const requires scale { return gamma_.view(); }
    constexpr TensorView<float, features> beta() requires center { return beta_.view(); }
    constexpr TensorView<const float, features> beta() const requires center { return beta_.view(); }

    void forward(const float* x, float* y, int batch, float*) const {
      kernels::norm::layer_norm(x, y, rows_per_sample * batch, C, gamma_ptr(), beta_ptr(), static_cast<float>(epsilon));
    }

    /// `rows` rows of the last axis at once: what a stream runs on each frame (model/stream.hpp).
    void forward_rows(const float* x, float* y, int rows) const {
      kernels::norm::layer_norm(x, y, rows, C, gamma_ptr(), beta_ptr(), static_cast<float>(epsilon));
    }

    // Training. saved: each row's mean, then each row's 1 / sqrt(variance + epsilon).
    static constexpr std::size_t saved_floats(int batch) {
      return 2 * static_cast<std::size_t>(rows_per_sample) * static_cast<std::size_t>(batch);
    }
    void forward_train(const float* x, float* y, int batch, float* saved, float*, const train_context&) const {
      const std::ptrdiff_t rows = rows_per_sample * batch;
      kernels::norm::layer_norm(x, y, rows, C, gamma_ptr(), beta_ptr(), static_cast<float>(epsilon), saved,
                                saved + rows);
    }
    void backward(const float* x, const float*, const float* dy, float* dx, int batch, const float* saved, float*,
                  bind& grad, const train_context& ctx) const {
      const std::ptrdiff_t rows = rows_per_sample * batch;
      if (rows <= 0) return;
      float* dgamma = nullptr;
      float* dbeta = nullptr;
      if (ctx.trainable) {
        if constexpr (scale) dgamma = grad.gamma_.data();
        if constexpr (center) dbeta = grad.beta_.data();
      }
      kernels::norm::layer_norm_backward(x, dy, dx, rows, C, gamma_ptr(), saved, saved + rows, dgamma, dbeta);
    }

    template <class F>
    constexpr void for_each_weight(F&& f) {
      if constexpr (scale) f("gamma", gamma_.view());
      if constexpr (center) f("beta", beta_.view());
    }
    template <class F>
    constexpr void for_each_weight(F&& f) const {
      if constexpr (scale) f("gamma", gamma_.view());
      if constexpr (center) f("beta", beta_.view());
    }
    /// Keras' defaults: gamma ones, beta zeros.
    template <class R>
    void initialize(R&) {
      if constexpr (scale) gamma_.fill(1.0f);
      if constexpr (center) beta_.fill(0.0f);
    }

   private:
    const float* gamma_ptr() const {
      if constexpr (scale) return gamma_.data();
      else return nullptr;
    }
    const float* beta_ptr() const {
      if constexpr (center) return beta_.data();
      else return nullptr;
    }
    [[no_unique_address]] std::conditional_t<scale, Tensor<float, features>, none> gamma_;
    [[no_unique_address]] std::conditional_t<center, Tensor<float, features>, none> beta_;
  };
};

}  // namespace tshape
