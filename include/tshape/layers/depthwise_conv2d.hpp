// DepthwiseConv2D<Options...>: Keras' depthwise 2D convolution on channels-last samples (rows, cols,
// channels): each input channel is convolved with depth_multiplier filters of its own, and output
// channel c * m + j is input channel c through filter j.
//
// Options, in any order: Kernel<kh, kw> (required; Kernel<k> is k x k), DepthMultiplier<m> (default 1),
// Strides<sh, sw> (1), Padding::valid (default) or Padding::same (TensorFlow's: the odd cell at the
// bottom/right), DilationRate<dh, dw> (1), an activation (Linear), UseBias<false>. There is no filter
// count: the output has in_channels * m channels.
// The depthwise kernel is (kh, kw, in_channels, m) and the bias (in_channels * m), as in Keras.
// Training: backward gives the kernel's, the bias' and the input's gradients (kernels/conv/depthwise.hpp).
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../kernels/conv/depthwise.hpp"
#include "activation.hpp"
#include "conv2d.hpp"
#include "layer.hpp"
#include "options.hpp"

namespace tshape {

/// Output channels per input channel of a depthwise convolution (Keras' depth_multiplier); default 1.
template <int M>
struct DepthMultiplier {
  static constexpr int value = M;
};

namespace detail {

template <class T>
struct is_depth_multiplier : std::false_type {};
template <int M>
struct is_depth_multiplier<DepthMultiplier<M>> : std::true_type {};

/// The options DepthwiseConv2D takes: Conv2D's, and DepthMultiplier.
template <class O>
struct depthwise_takes : std::bool_constant<conv_takes<2>::option<O>::value || is_depth_multiplier<O>::value> {};

/// Conv2D's options resolved (conv_options), DepthMultiplier, and the option rule with DepthMultiplier
/// among the options taken.
template <class... Options>
struct depthwise_options : conv_options<2, Options...> {
  using base = conv_options<2, Options...>;
  static constexpr int multiplier = option_t<is_depth_multiplier, DepthMultiplier<1>, Options...>::value;

  static constexpr auto check() {
    using R = options_rule_t<error::it_takes<Kernel<>, DepthMultiplier<1>, Strides<>, Padding::valid, Padding::same,
                                             DilationRate<>, error::an_activation, UseBias<false>>,
                             depthwise_takes, type_list<Options...>, is_kernel, is_depth_multiplier, is_strides,
                             is_padding, is_dilation, is_activation, is_use_bias>;
    if constexpr (!std::is_void_v<R>)
      return R{};
    else if constexpr (count_options<is_kernel, Options...> == 0)
      return mismatch<error::BAD_OPTION_VALUE, error::needs_option<Kernel<>>>{};
    else if constexpr (multiplier <= 0)
      return mismatch<error::BAD_OPTION_VALUE, error::depth_multiplier<multiplier>>{};
    else if constexpr (!base::windows_fit)
      return mismatch<error::BAD_OPTION_VALUE,
                      error::values_must_be_positive_one_per_axis_or_one_for_all<
                          typename base::kernel_t, typename base::strides_t, typename base::dilation_t>>{};
    else if constexpr ((base::sh != 1 || base::sw != 1) && (base::dh != 1 || base::dw != 1))
      return mismatch<error::BAD_OPTION_VALUE,
                      error::strides_and_dilation_together<typename base::strides_t, typename base::dilation_t>>{};
    else if constexpr (!std::is_void_v<activation_rule_t<typename base::activation>>)
      return activation_rule_t<typename base::activation>{};
    else
      return;
  }
  using rule = decltype(check());
};

/// The depthwise convolution DepthwiseConv2D is, and the first step of SeparableConv2D.
template <class... Options>
struct depthwise_layer {
  using opts = depthwise_options<Options...>;
  using option_rule = typename opts::rule;
  using activation = typename opts::activation;
  static constexpr bool use_bias = opts::use_bias;
  static constexpr int depth_multiplier = opts::multiplier;

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    // The rank rule and the window rule are Conv2D's (the same words for the same mistakes).
    using R = decltype(window_rule<2, dilated(opts::kh, opts::dh), dilated(opts::kw, opts::dw), opts::same, D...>());
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (!std::is_void_v<R>) {
      return R{};
    } else {
      using sp = spatial<2, D...>;
      constexpr int oh = window_output(sp::rows, dilated(opts::kh, opts::dh), opts::sh, opts::same);
      constexpr int ow = window_output(sp::cols, dilated(opts::kw, opts::dw), opts::sw, opts::same);
      return Shape<oh, ow, sp::channels * depth_multiplier>{};
    }
  }

  template <class In>
  class bind {
    using sp = typename detail::spatial_of<2, In>::type;
    static constexpr int C = sp::channels, M = depth_multiplier, OC = C * M;
    using kernel_shape = Shape<opts::kh, opts::kw, C, M>;

   public:
    static constexpr kernels::window_geometry geometry = kernels::make_geometry(
        sp::rows, sp::cols, C, opts::kh, opts::kw, opts::sh, opts::sw, opts::dh, opts::dw, opts::same, OC);
    using input_shape = In;
    using output_shape = decltype(infer(In{}));
    static constexpr long long param_count = 1LL * opts::kh * opts::kw * C * M + (use_bias ? OC : 0);
    static constexpr long long non_trainable_count = 0;
    static constexpr std::size_t scratch_floats(int) { return kernels::conv::depthwise_scratch_floats(geometry); }

    /// (kh, kw, in_channels, depth_multiplier), as Keras.
    TensorView<float, kernel_shape> depthwise_kernel() { return kernel_.view(); }
    TensorView<const float, kernel_shape> depthwise_kernel() const { return kernel_.view(); }
    TensorView<float, Shape<OC>> bias() requires use_bias { return bias_.view(); }
    TensorView<const float, Shape<OC>> bias() const requires use_bias { return bias_.view(); }

    void forward(const float* x, float* y, int batch, float* scratch) const {
      if constexpr (activation::row_wise) {
        kernels::conv::depthwise<geometry>(x, kernel_.data(), bias_data(), y, batch, scratch,
                                 kernels::activation::linear{});
        apply_activation<activation>(y, static_cast<std::ptrdiff_t>(batch) * geometry.oh * geometry.ow, OC);
      } else {
        kernels::conv::depthwise<geometry>(x, kernel_.data(), bias_data(), y, batch, scratch, activation::function());
      }
    }

    // Training, as Conv2D: saved is the pre-activation z when the activation's derivative or a
    // cross-entropy needs it; backward's scratch holds dL/dz unless dy already is.
    static constexpr bool has_logits = keeps_pre_activation<activation> && !std::is_same_v<activation, Linear>;
    static constexpr std::size_t saved_floats(int batch) {
      return has_logits ? static_cast<std::size_t>(batch) * sample_size<output_shape> : 0;
    }
    static constexpr std::size_t backward_scratch_floats(int batch) {
      return std::is_same_v<activation, Linear> ? 0 : static_cast<std::size_t>(batch) * sample_size<output_shape>;
    }
    const float* logits(const float* saved) const { return saved; }

    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context&) const {
      if constexpr (has_logits) {
        if (batch <= 0) return;
        kernels::conv::depthwise<geometry>(x, kernel_.data(), bias_data(), saved, batch, scratch,
                                 kernels::activation::linear{});
        const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(batch) * sample_size<output_shape>;
        std::copy_n(saved, n, y);
        apply_activation<activation>(y, n / OC, OC);
      } else {
        forward(x, y, batch, scratch);
      }
    }

    void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float* saved,
                  float* scratch, bind& grad, const train_context& ctx) const {
      if (batch <= 0) return;
      const float* dz = dy;
      if constexpr (!std::is_same_v<activation, Linear>) {
        if (!ctx.dy_is_logits) {
          const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(batch) * sample_size<output_shape>;
          apply_activation_grad<activation>(has_logits ? saved : nullptr, y, dy, scratch, n / OC, OC);
          dz = scratch;
        }
      }
      float* dbias = nullptr;
      if constexpr (use_bias) dbias = ctx.trainable ? grad.bias_.data() : nullptr;
      kernels::conv::depthwise_backward(geometry, x, dz, kernel_.data(), ctx.trainable ? grad.kernel_.data() : nullptr,
                                        dbias, dx, batch);
    }

    template <class F>
    constexpr void for_each_weight(F&& f) {
      f("depthwise_kernel", kernel_.view());
      if constexpr (use_bias) f("bias", bias_.view());
    }
    template <class F>
    constexpr void for_each_weight(F&& f) const {
      f("depthwise_kernel", kernel_.view());
      if constexpr (use_bias) f("bias", bias_.view());
    }
    /// Keras' defaults: glorot_uniform with Keras' fans of a (kh, kw, in, m) kernel (fan_in kh*kw*in,
    /// fan_out kh*kw*m), a zero bias.
    template <class R>
    void initialize(R& rng) {
      constexpr double field = 1.0 * opts::kh * opts::kw;
      glorot_uniform(kernel_.view(), field * C, field * M, rng);
      if constexpr (use_bias) bias_.fill(0.0f);
    }

   private:
    const float* bias_data() const {
      if constexpr (use_bias)
        return bias_.data();
      else
        return nullptr;
    }

    struct no_bias {};
    Tensor<float, kernel_shape> kernel_;
    [[no_unique_address]] std::conditional_t<use_bias, Tensor<float, Shape<OC>>, no_bias> bias_;
  };
};

}  // namespace detail

template <class... Options>  // Keras' DepthwiseConv2D(3) is DepthwiseConv2D<Kernel<3>>: options are types
struct DepthwiseConv2D : detail::depthwise_layer<Options...>, detail::functional_call<DepthwiseConv2D<Options...>> {
  static constexpr std::string_view keras_class = "DepthwiseConv2D";
  static constexpr std::string_view keras_name = "depthwise_conv2d";
};

}  // namespace tshape
