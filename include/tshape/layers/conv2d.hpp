// Conv2D<Filters, Options...>: Keras' 2D convolution on channels-last samples (rows, cols, channels).
//
// Options, in any order: Kernel<kh, kw> (required; Kernel<k> is k x k), Strides<sh, sw> (default 1),
// Padding::valid (default) or Padding::same (TensorFlow's: the odd cell at the bottom/right), and for
// Conv1D Padding::causal (the time axis padded on the left only), DilationRate<dh, dw> (default 1),
// an activation (default Linear), UseBias<false>.
// The kernel is (kh, kw, in_channels, filters) as in Keras (HWIO); cross-correlation, no flip.
// Conv1D (conv1d.hpp) is the same layer over one spatial axis.
// Training: backward gives the kernel's, the bias' and the input's gradients (kernels/conv/backward.hpp).
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../kernels/conv/backward.hpp"
#include "../kernels/conv/conv.hpp"
#include "activation.hpp"
#include "layer.hpp"
#include "options.hpp"

namespace tshape {

namespace detail {

/// A sample's spatial extents as 2D (rows, cols): a 1D sample (steps, channels) has one row.
template <int Rank, int... D>
struct spatial {
  static constexpr std::array<int, sizeof...(D)> e{D...};
  static constexpr int rows = Rank == 2 ? e[0] : 1;
  static constexpr int cols = e[Rank - 1];
  static constexpr int channels = e[Rank];
};
/// spatial<Rank, D...> of a Shape<D...>. A named trait, not a lambda in decltype: clang 14 crashes
/// reading such a lambda back from a precompiled header.
template <int Rank, class S>
struct spatial_of;
template <int Rank, int... D>
struct spatial_of<Rank, Shape<D...>> {
  using type = spatial<Rank, D...>;
};

/// The shape rule every windowed layer of spatial rank Rank shares: a sample of rank Rank + 1
/// (channels last), and with 'valid' padding a window that fits. Gives void when the input is fine.
template <int Rank, int WindowRows, int WindowCols, bool Same, int... D>
constexpr auto window_rule() {
  using S = Shape<D...>;
  if constexpr (sizeof...(D) != Rank + 1) {
    if constexpr (sizeof...(D) == Rank)  // no channel axis: seed 001 and 003's mistake
      return mismatch<error::WRONG_RANK, error::expected_rank<Rank + 1>, error::got<S>,
                      error::fix_with_layer_before_it<Reshape<D..., 1>>>{};
    else
      return mismatch<error::WRONG_RANK, error::expected_rank<Rank + 1>, error::got<S>>{};
  } else {
    using sp = spatial<Rank, D...>;
    if constexpr (!Same && (sp::rows < WindowRows || sp::cols < WindowCols)) {
      if constexpr (Rank == 2)
        return mismatch<error::WINDOW_LARGER_THAN_INPUT, error::window<WindowRows, WindowCols>,
                        error::input_extent<sp::rows, sp::cols>, error::got<S>>{};
      else
        return mismatch<error::WINDOW_LARGER_THAN_INPUT, error::window<WindowCols>, error::input_extent<sp::cols>,
                        error::got<S>>{};
    } else {
      return;
    }
  }
}

/// The options a convolution over Rank spatial axes takes: Padding::causal only over time (Conv1D).
template <int Rank>
struct conv_takes {
  template <class O>
  struct option
      : std::bool_constant<is_kernel<O>::value || is_strides<O>::value || is_dilation<O>::value ||
                           is_activation_v<O> || is_use_bias<O>::value ||
                           (is_padding<O>::value && (Rank == 1 || !std::is_same_v<O, Padding::causal>))> {};
  using list = std::conditional_t<
      Rank == 1,
      error::it_takes<Kernel<>, Strides<>, Padding::valid, Padding::same, Padding::causal, DilationRate<>,
                      error::an_activation, UseBias<false>>,
      error::it_takes<Kernel<>, Strides<>, Padding::valid, Padding::same, DilationRate<>, error::an_activation,
                      UseBias<false>>>;
};

/// Keras' options of a convolution over Rank spatial axes, resolved to 2D (rows, cols); `rule` is
/// void or the option mistake the model reports (layer.hpp).
template <int Rank, class... Options>
struct conv_options {
  using kernel_t = option_t<is_kernel, Kernel<1>, Options...>;
  using strides_t = option_t<is_strides, Strides<1>, Options...>;
  using dilation_t = option_t<is_dilation, DilationRate<1>, Options...>;
  static constexpr bool windows_fit = window_option_fits<kernel_t, Rank>() && window_option_fits<strides_t, Rank>() &&
                                      window_option_fits<dilation_t, Rank>();
  static constexpr auto k = window_values<kernel_t, Rank>();
  static constexpr auto s = window_values<strides_t, Rank>();
  static constexpr auto d = window_values<dilation_t, Rank>();
  static constexpr int kh = Rank == 2 ? k[0] : 1, kw = k[Rank - 1];
  static constexpr int sh = Rank == 2 ? s[0] : 1, sw = s[Rank - 1];
  static constexpr int dh = Rank == 2 ? d[0] : 1, dw = d[Rank - 1];
  static constexpr bool same = option_t<is_padding, Padding::valid, Options...>::is_same;
  static constexpr bool causal = option_t<is_padding, Padding::valid, Options...>::is_causal;
  /// 'same' and 'causal' keep the extent (ceil(in / stride)) and fit any input.
  static constexpr bool keeps_extent = same || causal;
  using activation = option_t<is_activation, Linear, Options...>;
  static constexpr bool use_bias = option_t<is_use_bias, UseBias<true>, Options...>::value;

  static constexpr auto check() {
    using R = options_rule_t<typename conv_takes<Rank>::list, conv_takes<Rank>::template option, type_list<Options...>,
                             is_kernel, is_strides, is_padding, is_dilation, is_activation, is_use_bias>;
    if constexpr (!std::is_void_v<R>)
      return R{};
    else if constexpr (count_options<is_kernel, Options...> == 0)
      return mismatch<error::BAD_OPTION_VALUE, error::needs_option<Kernel<>>>{};
    else if constexpr (!windows_fit)  // a value <= 0, or as many values as neither 1 nor Rank
      return mismatch<error::BAD_OPTION_VALUE,
                      error::values_must_be_positive_one_per_axis_or_one_for_all<kernel_t, strides_t, dilation_t>>{};
    else if constexpr ((sh != 1 || sw != 1) && (dh != 1 || dw != 1))  // Keras refuses it too
      return mismatch<error::BAD_OPTION_VALUE, error::strides_and_dilation_together<strides_t, dilation_t>>{};
    else if constexpr (!std::is_void_v<activation_rule_t<activation>>)
      return activation_rule_t<activation>{};
    else
      return;
  }
  using rule = decltype(check());
};

/// A convolution with Filters filters over Rank spatial axes (1: Conv1D, 2: Conv2D).
template <int Rank, int Filters, class... Options>
struct conv_layer {
  using opts = conv_options<Rank, Options...>;
  using option_rule = std::conditional_t<(Filters <= 0), mismatch<error::BAD_OPTION_VALUE, error::filters<Filters>>,
                                         typename opts::rule>;
  using activation = typename opts::activation;
  static constexpr bool use_bias = opts::use_bias;
  static constexpr int filters = Filters;

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using R = decltype(window_rule<Rank, dilated(opts::kh, opts::dh), dilated(opts::kw, opts::dw), opts::keeps_extent,
                                   D...>());
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (!std::is_void_v<R>) {
      return R{};
    } else {
      using sp = spatial<Rank, D...>;
      constexpr int oh = window_output(sp::rows, dilated(opts::kh, opts::dh), opts::sh, opts::keeps_extent);
      constexpr int ow = window_output(sp::cols, dilated(opts::kw, opts::dw), opts::sw, opts::keeps_extent);
      if constexpr (Rank == 2)
        return Shape<oh, ow, Filters>{};
      else
        return Shape<ow, Filters>{};
    }
  }

  template <class In>
  class bind {
    using sp = typename detail::spatial_of<Rank, In>::type;
    static constexpr int C = sp::channels;
    static constexpr kernels::window_geometry same_or_valid_geometry =
        kernels::make_geometry(sp::rows, sp::cols, C, opts::kh, opts::kw, opts::sh, opts::sw, opts::dh, opts::dw,
                               opts::same, Filters);
    static constexpr kernels::window_geometry geometry =
        opts::causal ? kernels::causal_columns(same_or_valid_geometry) : same_or_valid_geometry;
    using kernel_shape = std::conditional_t<Rank == 2, Shape<opts::kh, opts::kw, C, Filters>, Shape<opts::kw, C, Filters>>;

   public:
    using input_shape = In;
    using output_shape = decltype(infer(In{}));
    static constexpr long long param_count = 1LL * opts::kh * opts::kw * C * Filters + (use_bias ? Filters : 0);
    static constexpr long long non_trainable_count = 0;
    static constexpr std::size_t scratch_floats(int) { return kernels::conv::scratch_floats<geometry>(use_bias); }

    /// (kh, kw, in_channels, filters) for Conv2D, (k, in_channels, filters) for Conv1D, as Keras.
    TensorView<float, kernel_shape> kernel() { return kernel_.view(); }
    TensorView<const float, kernel_shape> kernel() const { return kernel_.view(); }
    TensorView<float, Shape<Filters>> bias() requires use_bias { return bias_.view(); }
    TensorView<const float, Shape<Filters>> bias() const requires use_bias { return bias_.view(); }

    void forward(const float* x, float* y, int batch, float* scratch) const {
      const float* b = nullptr;
      if constexpr (use_bias) b = bias_.data();
      if constexpr (activation::row_wise) {
        kernels::conv::conv2d<geometry>(x, kernel_.data(), b, y, batch, scratch, kernels::activation::linear{});
        apply_activation<activation>(y, static_cast<std::ptrdiff_t>(batch) * geometry.oh * geometry.ow, Filters);
      } else {
        kernels::conv::conv2d<geometry>(x, kernel_.data(), b, y, batch, scratch, activation::function());
      }
    }

    // Training, as Dense: saved is the pre-activation z when the activation's derivative or a
    // cross-entropy needs it. backward runs the batch in the kernel's chunks (backward.hpp), so that
    // its memory is bounded whatever the batch.
    static constexpr bool has_logits = keeps_pre_activation<activation> && !std::is_same_v<activation, Linear>;
    static constexpr std::size_t saved_floats(int batch) {
      return has_logits ? static_cast<std::size_t>(batch) * sample_size<output_shape> : 0;
    }
    static constexpr std::size_t backward_scratch_floats(int batch) {
      return dz_floats(batch) + kernels::conv::backward_scratch_floats(geometry, batch);
    }
    const float* logits(const float* saved) const { return saved; }

    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context&) const {
      if constexpr (has_logits) {
        if (batch <= 0) return;
        const float* b = nullptr;
        if constexpr (use_bias) b = bias_.data();
        kernels::conv::conv2d<geometry>(x, kernel_.data(), b, saved, batch, scratch, kernels::activation::linear{});
        const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(batch) * sample_size<output_shape>;
        std::copy_n(saved, n, y);
        apply_activation<activation>(y, n / Filters, Filters);
      } else {
        forward(x, y, batch, scratch);
      }
    }

    void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float* saved,
                  float* scratch, bind& grad, const train_context& ctx) const {
      if (batch <= 0) return;
      float* dkernel = ctx.trainable ? grad.kernel_.data() : nullptr;
      float* dbias = nullptr;
      if constexpr (use_bias) dbias = ctx.trainable ? grad.bias_.data() : nullptr;
      if (std::is_same_v<activation, Linear> || ctx.dy_is_logits) {
        kernels::conv::backward(geometry, x, dy, kernel_.data(), dkernel, dbias, dx, batch, scratch,
                                kernels::conv::backward_kernels_for<geometry>());
        return;
      }
      // dL/dz chunk by chunk (output rows through the batch, as the kernel takes them), ahead of the
      // kernel's im2col in scratch.
      if (dx) {
        std::fill_n(dx, batch * sample_size<In>, 0.0f);
        kernels::conv::backward_prepare(geometry, kernel_.data(), scratch + dz_floats(batch));
      }
      constexpr std::ptrdiff_t row = static_cast<std::ptrdiff_t>(geometry.ow) * Filters;
      const int rows = batch * geometry.oh, chunk = kernels::conv::backward_chunk_rows(geometry, batch);
      float* dz = scratch;
      for (int r0 = 0; r0 < rows; r0 += chunk) {
        const int r1 = std::min(rows, r0 + chunk);
        const float* z = has_logits ? saved + r0 * row : nullptr;
        apply_activation_grad<activation>(z, y + r0 * row, dy + r0 * row, dz, (r1 - r0) * row / Filters, Filters);
        kernels::conv::backward_rows(geometry, x, dz, r0, r1, dkernel, dbias, dx, scratch + dz_floats(batch),
                                     kernels::conv::backward_kernels_for<geometry>());
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
    /// Keras' defaults: glorot_uniform over the receptive field (fan_in = kh*kw*in, fan_out = kh*kw*filters).
    template <class R>
    void initialize(R& rng) {
      constexpr double field = 1.0 * opts::kh * opts::kw;
      glorot_uniform(kernel_.view(), field * C, field * Filters, rng);
      if constexpr (use_bias) bias_.fill(0.0f);
    }

   private:
    /// dL/dz of one chunk of output rows, unless dy already is (a linear activation, or logits).
    static constexpr std::size_t dz_floats(int batch) {
      if constexpr (std::is_same_v<activation, Linear>) {
        return 0;
      } else {
        const std::size_t n =
            static_cast<std::size_t>(kernels::conv::backward_chunk_rows(geometry, batch)) * geometry.ow * Filters;
        return (n + 15) / 16 * 16;
      }
    }

    struct no_bias {};
    Tensor<float, kernel_shape> kernel_;
    [[no_unique_address]] std::conditional_t<use_bias, Tensor<float, Shape<Filters>>, no_bias> bias_;
  };
};

}  // namespace detail

template <int Filters, class... Options>  // Keras' Conv2D(32, 3) is Conv2D<32, Kernel<3>>: options are types
struct Conv2D : detail::conv_layer<2, Filters, Options...>, detail::functional_call<Conv2D<Filters, Options...>> {
  static constexpr std::string_view keras_class = "Conv2D";
  static constexpr std::string_view keras_name = "conv2d";
};

}  // namespace tshape
