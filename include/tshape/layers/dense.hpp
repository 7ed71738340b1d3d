// Dense<Units, Options...>: y = activation(x . kernel + bias), as Keras' Dense.
//
// Options, in any order: an activation (default Linear) and UseBias<false> (default: a bias).
// The kernel is (in, units) as in Keras; `in` is inferred from the input's last axis, and an input of
// rank > 1 is contracted along its last axis only, as Keras does: (T, in) -> (T, units).
#pragma once
#include <cstddef>
#include <algorithm>
#include <string_view>
#include <type_traits>

#include "../kernels/gemm/gemm.hpp"
#include "../kernels/gemm/transposed.hpp"
#include "activation.hpp"
#include "layer.hpp"

namespace tshape {

namespace detail {
template <class O>
struct dense_takes : std::bool_constant<is_activation_v<O> || is_use_bias<O>::value> {};
/// void when Dense takes Options (an activation, UseBias<false>, each once), else the mistake.
template <class... Options>
using dense_options_rule = options_rule_t<error::it_takes<error::an_activation, UseBias<false>>, dense_takes,
                                          type_list<Options...>, is_activation, is_use_bias>;
}  // namespace detail

template <int Units, class... Options>
struct Dense : detail::functional_call<Dense<Units, Options...>> {
  using activation = detail::option_t<is_activation, Linear, Options...>;
  /// void, or the option mistake the model reports (layer.hpp): the units, the options, then the
  /// activation's own value (LeakyReLU::alpha<1, 0>).
  using option_rule = std::conditional_t<
      (Units <= 0), mismatch<error::BAD_OPTION_VALUE, error::units<Units>>,
      std::conditional_t<std::is_void_v<detail::dense_options_rule<Options...>>, detail::activation_rule_t<activation>,
                         detail::dense_options_rule<Options...>>>;

  static constexpr bool use_bias = detail::option_t<detail::is_use_bias, UseBias<true>, Options...>::value;
  static constexpr int units = Units;
  static constexpr std::string_view keras_class = "Dense";
  static constexpr std::string_view keras_name = "dense";

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else if constexpr (sizeof...(D) == 0)
      return mismatch<error::WRONG_RANK, error::expected_rank_at_least<1>, error::got<Shape<>>>{};
    else
      return replace_extent_t<Shape<D...>, -1, Units>{};
  }

  template <class In>
  class bind {
    static constexpr int in = last_extent_v<In>;

   public:
    using input_shape = In;
    using output_shape = replace_extent_t<In, -1, Units>;
    static constexpr long long param_count = 1LL * in * Units + (use_bias ? Units : 0);
    static constexpr long long non_trainable_count = 0;
    static constexpr std::size_t scratch_floats(int) { return 0; }

    constexpr TensorView<float, Shape<in, Units>> kernel() { return kernel_.view(); }
    constexpr TensorView<const float, Shape<in, Units>> kernel() const { return kernel_.view(); }
    constexpr TensorView<float, Shape<Units>> bias() requires use_bias { return bias_.view(); }
    constexpr TensorView<const float, Shape<Units>> bias() const requires use_bias { return bias_.view(); }

    void forward(const float* x, float* y, int batch, float*) const {
      const int rows = batch * static_cast<int>(detail::sample_size<In> / in);
      const float* b = nullptr;
      if constexpr (use_bias) b = bias_.data();
      if constexpr (activation::row_wise) {
        kernels::gemm::dense<Units, in>(rows, x, kernel_.data(), b, y, kernels::activation::linear{});
        detail::apply_activation<activation>(y, rows, Units);
      } else {
        kernels::gemm::dense<Units, in>(rows, x, kernel_.data(), b, y, activation::function());
      }
    }

    // Training. saved: the pre-activation z, when the activation's derivative or a cross-entropy needs it.
    static constexpr bool has_logits = detail::keeps_pre_activation<activation> && !std::is_same_v<activation, Linear>;
    static constexpr std::size_t saved_floats(int batch) {
      return has_logits ? static_cast<std::size_t>(batch) * detail::sample_size<output_shape> : 0;
    }
    /// dL/dz for the rows, unless dy already is (a linear activation, or logits).
    static constexpr std::size_t backward_scratch_floats(int batch) {
      return std::is_same_v<activation, Linear> ? 0 : static_cast<std::size_t>(batch) * detail::sample_size<output_shape>;
    }
    const float* logits(const float* saved) const { return saved; }

    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context&) const {
      if constexpr (has_logits) {
        const int rows = batch * static_cast<int>(detail::sample_size<In> / in);
        const float* b = nullptr;
        if constexpr (use_bias) b = bias_.data();
        kernels::gemm::dense<Units, in>(rows, x, kernel_.data(), b, saved, kernels::activation::linear{});
        if (rows > 0) std::copy_n(saved, static_cast<std::ptrdiff_t>(rows) * Units, y);
        detail::apply_activation<activation>(y, rows, Units);
      } else {
        forward(x, y, batch, scratch);
      }
    }

    void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float* saved,
                  float* scratch, bind& grad, const train_context& ctx) const {
      const int rows = batch * static_cast<int>(detail::sample_size<In> / in);
      if (rows <= 0) return;
      const float* dz = dy;
      if constexpr (!std::is_same_v<activation, Linear>) {
        if (!ctx.dy_is_logits) {
          detail::apply_activation_grad<activation>(saved, y, dy, scratch, rows, Units);
          dz = scratch;
        }
      }
      if (ctx.trainable) {
        kernels::gemm::gemm_tn(in, Units, rows, x, dz, grad.kernel_.data());
        if constexpr (use_bias) kernels::gemm::add_column_sums(rows, Units, dz, grad.bias_.data());
      }
      if (dx) {
        std::fill_n(dx, static_cast<std::ptrdiff_t>(rows) * in, 0.0f);
        kernels::gemm::gemm_nt(rows, in, Units, dz, kernel_.data(), dx);
      }
    }

    template <class F>
    constexpr void for_each_weight(F&& f) {
      f("kernel", kernel_.view());
      if constexpr (use_bias) f("bias", bias_.view());
    }
    template <class F>
    constexpr void for_each_weight(F&& f) const {
      f("kernel", kernel_.view());
      if constexpr (use_bias) f("bias", bias_.view());
    }
    template <class R>
    void initialize(R& rng) {
      detail::glorot_uniform(kernel_.view(), in, Units, rng);
      if constexpr (use_bias) bias_.fill(0.0f);
    }

   private:
    struct no_bias {};
    Tensor<float, Shape<in, Units>> kernel_;
    [[no_unique_address]] std::conditional_t<use_bias, Tensor<float, Shape<Units>>, no_bias> bias_;
  };
};

}  // namespace tshape
