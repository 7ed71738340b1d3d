// Conv2DTranspose<Filters, Options...>: Keras' transposed 2D convolution on channels-last samples
// (rows, cols, channels), the decoder's learned up-sampling.
//
// Options, in any order: Kernel<kh, kw> (required; Kernel<k> is k x k), Strides<sh, sw> (default 1),
// Padding::valid (default) or Padding::same, OutputPadding<ph, pw> (default none; each smaller than
// its stride), an activation (default Linear), UseBias<false>.
// Output extent per axis, as Keras' deconv_output_length: 'valid' n * s + max(k - s, 0), 'same' n * s;
// with OutputPadding<p>, (n - 1) * s + k - 2 * pad + p where pad is k / 2 for 'same', 0 for 'valid'.
// The kernel is (kh, kw, filters, in_channels) as in Keras: filters BEFORE inputs, the transpose of
// Conv2D's (kh, kw, in_channels, filters). kernels/conv_transpose/ has the computation.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../kernels/conv_transpose/conv_transpose.hpp"
#include "activation.hpp"
#include "layer.hpp"
#include "options.hpp"
#include "spatial_rank.hpp"

namespace tshape {

/// Conv2DTranspose's extra cells at the bottom/right of its output: OutputPadding<ph, pw>
/// (OutputPadding<p> for both), Keras' output_padding; each must be smaller than its stride.
template <int... P>
struct OutputPadding {
  static constexpr std::array<int, sizeof...(P)> values{P...};
};

namespace detail {

template <class T>
struct is_output_padding : std::false_type {};
template <int... P>
struct is_output_padding<OutputPadding<P...>> : std::true_type {};

template <class O>
struct conv_transpose_takes
    : std::bool_constant<is_kernel<O>::value || is_strides<O>::value || is_output_padding<O>::value ||
                         is_activation_v<O> || is_use_bias<O>::value ||
                         std::is_same_v<O, Padding::valid> || std::is_same_v<O, Padding::same>> {};

/// An OutputPadding's values, one per axis; -1 (none) when it is not given or does not fit.
template <class Opt>
constexpr std::array<int, 2> output_padding_values() {
  if constexpr (std::is_void_v<Opt>) {
    return {-1, -1};
  } else {
    constexpr auto& v = Opt::values;
    if (v.size() == 1) return {v[0], v[0]};
    if (v.size() == 2) return {v[0], v[1]};
    return {-1, -1};
  }
}

}  // namespace detail

template <int Filters, class... Options>  // Keras' Conv2DTranspose(16, 3) is Conv2DTranspose<16, Kernel<3>>
struct Conv2DTranspose : detail::functional_call<Conv2DTranspose<Filters, Options...>> {
  static constexpr std::string_view keras_class = "Conv2DTranspose";
  static constexpr std::string_view keras_name = "conv2d_transpose";
  static constexpr int filters = Filters;

  using kernel_t = detail::option_t<detail::is_kernel, Kernel<1>, Options...>;
  using strides_t = detail::option_t<detail::is_strides, Strides<1>, Options...>;
  using output_padding_t = detail::option_t<detail::is_output_padding, void, Options...>;
  static constexpr auto k = detail::window_values<kernel_t, 2>();
  static constexpr auto s = detail::window_values<strides_t, 2>();
  static constexpr auto op = detail::output_padding_values<output_padding_t>();
  static constexpr bool same = detail::option_t<detail::is_padding, Padding::valid, Options...>::is_same;
  using activation = detail::option_t<is_activation, Linear, Options...>;
  static constexpr bool use_bias = detail::option_t<detail::is_use_bias, UseBias<true>, Options...>::value;

  static constexpr bool output_padding_fits() {
    if constexpr (std::is_void_v<output_padding_t>) {
      return true;
    } else {
      constexpr auto& v = output_padding_t::values;
      if (v.size() != 1 && v.size() != 2) return false;
      return op[0] >= 0 && op[1] >= 0 && op[0] < s[0] && op[1] < s[1];
    }
  }
  static constexpr auto check_options() {
    using R = detail::options_rule_t<
        error::it_takes<Kernel<>, Strides<>, Padding::valid, Padding::same, OutputPadding<>, error::an_activation,
                        UseBias<false>>,
        detail::conv_transpose_takes, detail::type_list<Options...>, detail::is_kernel, detail::is_strides,
        detail::is_padding, detail::is_output_padding, is_activation, detail::is_use_bias>;
    if constexpr (!std::is_void_v<R>)
      return R{};
    else if constexpr (Filters <= 0)
      return mismatch<error::BAD_OPTION_VALUE, error::filters<Filters>>{};
    else if constexpr (detail::count_options<detail::is_kernel, Options...> == 0)
      return mismatch<error::BAD_OPTION_VALUE, error::needs_option<Kernel<>>>{};
    else if constexpr (!detail::window_option_fits<kernel_t, 2>() || !detail::window_option_fits<strides_t, 2>())
      return mismatch<error::BAD_OPTION_VALUE,
                      error::values_must_be_positive_one_per_axis_or_one_for_all<kernel_t, strides_t>>{};
    else if constexpr (!output_padding_fits())  // Keras raises it when the layer is made
      return mismatch<error::BAD_OPTION_VALUE,
                      error::output_padding_must_be_smaller_than_strides<output_padding_t, strides_t>>{};
    else if constexpr (!std::is_void_v<detail::activation_rule_t<activation>>)
      return detail::activation_rule_t<activation>{};
    else
      return;
  }
  using option_rule = decltype(check_options());

  template <int H, int W, int C>
  static constexpr kernels::conv_transpose::geometry geometry_for =
      kernels::conv_transpose::make_geometry(H, W, C, k[0], k[1], s[0], s[1], Filters, same, op[0], op[1]);

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using R = decltype(detail::channels_last_rank_rule<2, D...>());
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (!std::is_void_v<R>) {
      return R{};
    } else {
      constexpr int e[] = {D...};
      constexpr auto g = geometry_for<e[0], e[1], e[2]>;
      return Shape<g.oh, g.ow, Filters>{};
    }
  }

  template <class In>
  class bind {
    static constexpr int C = In::extents[2];
    static constexpr kernels::conv_transpose::geometry G = geometry_for<In::extents[0], In::extents[1], C>;
    using kernel_shape = Shape<k[0], k[1], Filters, C>;
    static constexpr std::ptrdiff_t in_floats = detail::sample_size<In>;
    static constexpr std::ptrdiff_t out_floats = static_cast<std::ptrdiff_t>(G.oh) * G.ow * Filters;

   public:
    using input_shape = In;
    using output_shape = Shape<G.oh, G.ow, Filters>;
    static constexpr long long param_count = 1LL * k[0] * k[1] * Filters * C + (use_bias ? Filters : 0);
    static constexpr long long non_trainable_count = 0;
    static constexpr std::size_t scratch_floats(int batch) { return kernels::conv_transpose::scratch_floats(G, batch); }

    /// (kh, kw, filters, in_channels), as Keras.
    TensorView<float, kernel_shape> kernel() { return kernel_.view(); }
    TensorView<const float, kernel_shape> kernel() const { return kernel_.view(); }
    TensorView<float, Shape<Filters>> bias() requires use_bias { return bias_.view(); }
    TensorView<const float, Shape<Filters>> bias() const requires use_bias { return bias_.view(); }

    void forward(const float* x, float* y, int batch, float* scratch) const {
      if (batch <= 0) return;
      kernels::conv_transpose::forward<G>(x, kernel_.data(), bias_data(), y, batch, scratch);
      if constexpr (!std::is_same_v<activation, Linear>)
        detail::apply_activation<activation>(y, static_cast<std::ptrdiff_t>(batch) * G.oh * G.ow, Filters);
    }

    // Training, as Conv2D: saved is the pre-activation z when the activation's derivative or a
    // cross-entropy needs it.
    static constexpr bool has_logits =
        detail::keeps_pre_activation<activation> && !std::is_same_v<activation, Linear>;
    static constexpr std::size_t saved_floats(int batch) {
      return has_logits ? static_cast<std::size_t>(batch) * out_floats : 0;
    }
    /// dz of one chunk of samples (unless dy already is dz), then the kernel's dcols.
    static constexpr std::size_t backward_scratch_floats(int batch) {
      return dz_floats(batch) + kernels::conv_transpose::backward_scratch_floats(G, batch);
    }
    const float* logits(const float* saved) const { return saved; }

    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context&) const {
      if constexpr (has_logits) {
        if (batch <= 0) return;
        kernels::conv_transpose::forward<G>(x, kernel_.data(), bias_data(), saved, batch, scratch);
        std::copy_n(saved, batch * out_floats, y);
        detail::apply_activation<activation>(y, static_cast<std::ptrdiff_t>(batch) * G.oh * G.ow, Filters);
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
      const bool dy_is_dz = std::is_same_v<activation, Linear> || ctx.dy_is_logits;
      const int chunk = kernels::conv_transpose::chunk_samples(G, batch);
      float* dz = scratch;
      float* dcols = scratch + dz_floats(batch);
      for (int n0 = 0; n0 < batch; n0 += chunk) {
        const int samples = std::min(chunk, batch - n0);
        const std::ptrdiff_t o = n0 * out_floats;
        const float* d = dy + o;
        if (!dy_is_dz) {
          const float* z = has_logits ? saved + o : nullptr;
          detail::apply_activation_grad<activation>(z, y + o, dy + o, dz, static_cast<std::ptrdiff_t>(samples) * G.oh * G.ow,
                                                    Filters);
          d = dz;
        }
        kernels::conv_transpose::backward_chunk<G>(x + n0 * in_floats, d, kernel_.data(), dkernel, dbias,
                                                   dx ? dx + n0 * in_floats : nullptr, samples, dcols);
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
    /// Keras' defaults: glorot_uniform with the fans Keras reads off the kernel's shape
    /// (fan_in = kh*kw*filters, fan_out = kh*kw*in_channels), zero bias.
    template <class R>
    void initialize(R& rng) {
      constexpr double field = 1.0 * k[0] * k[1];
      glorot_uniform(kernel_.view(), field * Filters, field * C, rng);
      if constexpr (use_bias) bias_.fill(0.0f);
    }

   private:
    static constexpr std::size_t dz_floats(int batch) {
      if constexpr (std::is_same_v<activation, Linear>) {
        return 0;
      } else {
        return kernels::conv_transpose::round16(
            static_cast<std::size_t>(kernels::conv_transpose::chunk_samples(G, std::max(batch, 1))) * out_floats);
      }
    }
    const float* bias_data() const {
      if constexpr (use_bias)
        return bias_.data();
      else
        return nullptr;
    }

    struct no_bias {};
    Tensor<float, kernel_shape> kernel_;
    [[no_unique_address]] std::conditional_t<use_bias, Tensor<float, Shape<Filters>>, no_bias> bias_;
  };
};

}  // namespace tshape
