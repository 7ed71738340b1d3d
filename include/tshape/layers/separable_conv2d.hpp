// SeparableConv2D<Filters, Options...>: Keras' depthwise-separable 2D convolution on channels-last
// samples: a depthwise convolution (DepthwiseConv2D's, without its bias), then a 1x1 convolution to
// Filters channels with the bias, then the activation.
//
// Options, in any order: Kernel<kh, kw> (required), DepthMultiplier<m> (default 1), Strides<sh, sw> (1),
// Padding::valid (default) or Padding::same (TensorFlow's), DilationRate<dh, dw> (1), an activation
// (Linear), UseBias<false>. The window options apply to the depthwise step.
// Weights as Keras: depthwise_kernel (kh, kw, in, m), pointwise_kernel (1, 1, in * m, filters), bias (filters).
// The depthwise step runs kernels/conv/depthwise.hpp; the pointwise step is Conv2D's 1x1 path, the
// GEMM over pixels (kernels/gemm), with the bias and the activation fused into it.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../kernels/conv/depthwise.hpp"
#include "../kernels/gemm/gemm.hpp"
#include "../kernels/gemm/transposed.hpp"
#include "activation.hpp"
#include "depthwise_conv2d.hpp"
#include "layer.hpp"

namespace tshape {

namespace detail {

template <int Filters, class... Options>
struct separable_layer {
  using opts = depthwise_options<Options...>;
  using option_rule = std::conditional_t<(Filters <= 0), mismatch<error::BAD_OPTION_VALUE, error::filters<Filters>>,
                                         typename opts::rule>;
  using activation = typename opts::activation;
  static constexpr bool use_bias = opts::use_bias;
  static constexpr int depth_multiplier = opts::multiplier;
  static constexpr int filters = Filters;

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using R = decltype(window_rule<2, dilated(opts::kh, opts::dh), dilated(opts::kw, opts::dw), opts::same, D...>());
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (!std::is_void_v<R>) {
      return R{};
    } else {
      using sp = spatial<2, D...>;
      constexpr int oh = window_output(sp::rows, dilated(opts::kh, opts::dh), opts::sh, opts::same);
      constexpr int ow = window_output(sp::cols, dilated(opts::kw, opts::dw), opts::sw, opts::same);
      return Shape<oh, ow, Filters>{};
    }
  }

  template <class In>
  class bind {
    using sp = typename detail::spatial_of<2, In>::type;
    static constexpr int C = sp::channels, M = depth_multiplier, CM = C * M;
    using depthwise_shape = Shape<opts::kh, opts::kw, C, M>;
    using pointwise_shape = Shape<1, 1, CM, Filters>;

   public:
    static constexpr kernels::window_geometry geometry = kernels::make_geometry(
        sp::rows, sp::cols, C, opts::kh, opts::kw, opts::sh, opts::sw, opts::dh, opts::dw, opts::same, CM);
    using input_shape = In;
    using output_shape = decltype(infer(In{}));
    static constexpr long long param_count =
        1LL * opts::kh * opts::kw * C * M + 1LL * CM * Filters + (use_bias ? Filters : 0);
    static constexpr long long non_trainable_count = 0;

   private:
    static constexpr std::size_t round(std::size_t n) { return (n + 15) / 16 * 16; }
    /// The depthwise step's output (batch, oh, ow, in * m), and its rows in the pointwise product.
    static constexpr std::size_t mid_floats(int batch) {
      return static_cast<std::size_t>(batch) * static_cast<std::size_t>(geometry.oh) * geometry.ow * CM;
    }
    static constexpr int rows(int batch) { return batch * geometry.oh * geometry.ow; }

   public:
    static constexpr std::size_t scratch_floats(int batch) {
      return round(mid_floats(batch)) + kernels::conv::depthwise_scratch_floats(geometry);
    }

    TensorView<float, depthwise_shape> depthwise_kernel() { return depthwise_.view(); }
    TensorView<const float, depthwise_shape> depthwise_kernel() const { return depthwise_.view(); }
    TensorView<float, pointwise_shape> pointwise_kernel() { return pointwise_.view(); }
    TensorView<const float, pointwise_shape> pointwise_kernel() const { return pointwise_.view(); }
    TensorView<float, Shape<Filters>> bias() requires use_bias { return bias_.view(); }
    TensorView<const float, Shape<Filters>> bias() const requires use_bias { return bias_.view(); }

    void forward(const float* x, float* y, int batch, float* scratch) const {
      if (batch <= 0) return;
      float* mid = scratch;
      kernels::conv::depthwise<geometry>(x, depthwise_.data(), nullptr, mid, batch, scratch + round(mid_floats(batch)),
                               kernels::activation::linear{});
      pointwise(mid, y, batch);
    }

    // Training. saved: the pre-activation z when the activation's derivative or a cross-entropy needs
    // it (first, where logits() finds it whatever the batch), then the depthwise step's output, which
    // the pointwise kernel's gradient reads.
    static constexpr bool has_logits = keeps_pre_activation<activation> && !std::is_same_v<activation, Linear>;
    static constexpr std::size_t saved_floats(int batch) {
      return z_floats(batch) + round(mid_floats(batch));
    }
    /// dL/dz unless dy already is, then dL/d(depthwise output).
    static constexpr std::size_t backward_scratch_floats(int batch) {
      return dz_floats(batch) + round(mid_floats(batch));
    }
    const float* logits(const float* saved) const { return saved; }

    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context&) const {
      if (batch <= 0) return;
      float* mid = saved + z_floats(batch);
      kernels::conv::depthwise<geometry>(x, depthwise_.data(), nullptr, mid, batch, scratch,
                               kernels::activation::linear{});
      if constexpr (has_logits) {
        float* z = saved;
        kernels::gemm::dense_fixed_rows<Filters, CM>(rows(batch), mid, pointwise_.data(), bias_data(), z,
                                                     kernels::activation::linear{});
        const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(rows(batch)) * Filters;
        std::copy_n(z, n, y);
        apply_activation<activation>(y, rows(batch), Filters);
      } else {
        pointwise(mid, y, batch);
      }
    }

    void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float* saved,
                  float* scratch, bind& grad, const train_context& ctx) const {
      if (batch <= 0) return;
      const int r = rows(batch);
      const float* mid = saved + z_floats(batch);
      const float* dz = dy;
      if constexpr (!std::is_same_v<activation, Linear>) {
        if (!ctx.dy_is_logits) {
          const float* z = has_logits ? saved : nullptr;
          apply_activation_grad<activation>(z, y, dy, scratch, r, Filters);
          dz = scratch;
        }
      }
      if (ctx.trainable) {
        kernels::gemm::gemm_tn(CM, Filters, r, mid, dz, grad.pointwise_.data());
        if constexpr (use_bias) kernels::gemm::add_column_sums(r, Filters, dz, grad.bias_.data());
      }
      if (!dx && !ctx.trainable) return;
      float* dmid = scratch + dz_floats(batch);
      std::fill_n(dmid, mid_floats(batch), 0.0f);
      kernels::gemm::gemm_nt(r, CM, Filters, dz, pointwise_.data(), dmid);
      kernels::conv::depthwise_backward(geometry, x, dmid, depthwise_.data(),
                                        ctx.trainable ? grad.depthwise_.data() : nullptr, nullptr, dx, batch);
    }

    template <class F>
    constexpr void for_each_weight(F&& f) {
      f("depthwise_kernel", depthwise_.view());
      f("pointwise_kernel", pointwise_.view());
      if constexpr (use_bias) f("bias", bias_.view());
    }
    template <class F>
    constexpr void for_each_weight(F&& f) const {
      f("depthwise_kernel", depthwise_.view());
      f("pointwise_kernel", pointwise_.view());
      if constexpr (use_bias) f("bias", bias_.view());
    }
    /// Keras' defaults: glorot_uniform for both kernels with Keras' fans ((kh, kw, in, m): kh*kw*in and
    /// kh*kw*m; (1, 1, in*m, filters): in*m and filters), a zero bias.
    template <class R>
    void initialize(R& rng) {
      constexpr double field = 1.0 * opts::kh * opts::kw;
      glorot_uniform(depthwise_.view(), field * C, field * M, rng);
      glorot_uniform(pointwise_.view(), CM, Filters, rng);
      if constexpr (use_bias) bias_.fill(0.0f);
    }

   private:
    static constexpr std::size_t z_floats(int batch) {
      return has_logits ? round(static_cast<std::size_t>(batch) * sample_size<output_shape>) : 0;
    }
    static constexpr std::size_t dz_floats(int batch) {
      return std::is_same_v<activation, Linear> ? 0 : round(static_cast<std::size_t>(batch) * sample_size<output_shape>);
    }
    const float* bias_data() const {
      if constexpr (use_bias)
        return bias_.data();
      else
        return nullptr;
    }
    // The 1x1 step: the HWIO kernel (1, 1, in*m, filters) is Dense's (in*m, filters) as it is.
    void pointwise(const float* mid, float* y, int batch) const {
      if constexpr (activation::row_wise) {
        kernels::gemm::dense_fixed_rows<Filters, CM>(rows(batch), mid, pointwise_.data(), bias_data(), y,
                                                     kernels::activation::linear{});
        apply_activation<activation>(y, rows(batch), Filters);
      } else {
        kernels::gemm::dense_fixed_rows<Filters, CM>(rows(batch), mid, pointwise_.data(), bias_data(), y,
                                                     activation::function());
      }
    }

    struct no_bias {};
    Tensor<float, depthwise_shape> depthwise_;
    Tensor<float, pointwise_shape> pointwise_;
    [[no_unique_address]] std::conditional_t<use_bias, Tensor<float, Shape<Filters>>, no_bias> bias_;
  };
};

}  // namespace detail

template <int Filters, class... Options>  // Keras' SeparableConv2D(16, 3) is SeparableConv2D<16, Kernel<3>>
struct SeparableConv2D : detail::separable_layer<Filters, Options...>,
                         detail::functional_call<SeparableConv2D<Filters, Options...>> {
  static constexpr std::string_view keras_class = "SeparableConv2D";
  static constexpr std::string_view keras_name = "separable_conv2d";
};

}  // namespace tshape
