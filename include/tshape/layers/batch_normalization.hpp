// BatchNormalization: Keras' layer at inference, over the last axis:
//   y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta,  epsilon = 1e-3
// (PyTorch's default is 1e-5: convert with care). Four arrays of `channels` floats, in Keras'
// get_weights() order gamma, beta, moving_mean, moving_variance; the moving statistics count as
// non-trainable parameters, as in Keras' summary.
//
// Training (Keras 2's call(training=True)): each channel is normalized with the batch's mean and
// biased variance over every axis but the last, and the moving statistics follow them with momentum
// 0.99: moving = moving * 0.99 + batch_statistic * 0.01.
//
// Keras' momentum and epsilon arguments: BatchNormalization::with<Options...>, in any order,
// Momentum<Num, Den> (Keras' default 0.99: Momentum<99, 100>; PyTorch's momentum=0.1 is Keras'
// 0.9, Momentum<9, 10>) and Epsilon<Num, Den> (1e-3: Epsilon<1, 1000>). A lower momentum makes the
// moving statistics follow the batches in fewer steps. Keras 2 takes its fused path for rank-4
// batches (samples of rank 3, e.g. Conv2D outputs), which moves the variance towards the UNBIASED
// batch variance (times n / (n - 1), n the values per channel); its plain path, for every other rank,
// towards the biased one. Both are kept here. A frozen layer (train_context::trainable false) runs as
// at inference, as Keras 2 does: the moving statistics normalize and stay as they are.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "../kernels/norm/batch_norm.hpp"
#include "../kernels/norm/batch_norm_train.hpp"
#include "layer.hpp"
#include "layer_normalization.hpp"  // Epsilon

namespace tshape {

/// A moving average's momentum, Num / Den in [0, 1): BatchNormalization::with<Momentum<9, 10>> is
/// Keras' BatchNormalization(momentum=0.9).
template <int Num, int Den = 1>
struct Momentum {
  static constexpr double value = Den != 0 ? static_cast<double>(Num) / Den : 0.0;
  static constexpr bool valid = Num >= 0 && Den > 0 && Num < Den;
};

namespace detail {
template <class T>
struct is_momentum : std::false_type {};
template <int N, int D>
struct is_momentum<Momentum<N, D>> : std::true_type {};
template <class O>
struct batch_norm_takes : std::bool_constant<is_epsilon<O>::value || is_momentum<O>::value> {};

/// The layer, for BatchNormalization (Self) and BatchNormalization::with<Options...>.
template <class Self, class... Options>
struct batch_normalization_spec : functional_call<Self> {
  using epsilon_option = option_t<is_epsilon, Epsilon<1, 1000>, Options...>;
  using momentum_option = option_t<is_momentum, Momentum<99, 100>, Options...>;
  using options_mistake = options_rule_t<error::it_takes<Momentum<99, 100>, Epsilon<1, 1000>>, batch_norm_takes,
                                         type_list<Options...>, is_momentum, is_epsilon>;
  /// void, or the option mistake the model reports (layer.hpp): an unknown or repeated option, an
  /// epsilon that is not positive, a momentum outside [0, 1).
  using option_rule = std::conditional_t<
      !std::is_void_v<options_mistake>, options_mistake,
      std::conditional_t<!epsilon_option::valid, mismatch<error::BAD_OPTION_VALUE, typename epsilon_detail<epsilon_option>::type>,
                         std::conditional_t<momentum_option::valid, void,
                                            mismatch<error::BAD_OPTION_VALUE, error::momentum_in_0_1<momentum_option>>>>>;

  static constexpr std::string_view keras_class = "BatchNormalization";
  static constexpr std::string_view keras_name = "batch_normalization";
  static constexpr float epsilon = static_cast<float>(epsilon_option::value);
  static constexpr float momentum = static_cast<float>(momentum_option::value);

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
    using channels = Shape<C>;

   public:
    using input_shape = In;
    using output_shape = In;
    static constexpr float layer_epsilon = epsilon;  // what a quantizer folding this layer needs
    static constexpr long long param_count = 4LL * C;
    static constexpr long long non_trainable_count = 2LL * C;
    /// The fused scale and shift, computed per call so that the arrays stay Keras' own.
    static constexpr std::size_t scratch_floats(int) { return 2 * static_cast<std::size_t>(C); }

    TensorView<float, channels> gamma() { return gamma_.view(); }
    TensorView<const float, channels> gamma() const { return gamma_.view(); }
    TensorView<float, channels> beta() { return beta_.view(); }
    TensorView<const float, channels> beta() const { return beta_.view(); }
    TensorView<float, channels> moving_mean() { return mean_.view(); }
    TensorView<const float, channels> moving_mean() const { return mean_.view(); }
    TensorView<float, channels> moving_variance() { return variance_.view(); }
    TensorView<const float, channels> moving_variance() const { return variance_.view(); }

    void forward(const float* x, float* y, int batch, float* scratch) const {
      float* scale = scratch;
      float* shift = scratch + C;
      kernels::norm::batch_norm_coefficients(C, gamma_.data(), beta_.data(), mean_.data(), variance_.data(), epsilon,
                                             scale, shift);
      const std::ptrdiff_t rows = static_cast<std::ptrdiff_t>(batch) * (detail::sample_size<In> / C);
      kernels::norm::scale_shift(x, y, rows, C, scale, shift);
    }

    /// A stream's frames (one timestep of `frames` sequences, model/stream.hpp): at inference the layer
    /// acts on each timestep alone, so a frame runs as the whole sequence's rows would, with
    /// frame_scratch_floats(frames) floats of scratch for the coefficients.
    static constexpr std::size_t frame_scratch_floats(int) { return 2 * static_cast<std::size_t>(C); }
    void forward_frames(const float* x, float* y, int frames, float* scratch) const
      requires(In::rank >= 2)
    {
      float* scale = scratch;
      float* shift = scratch + C;
      kernels::norm::batch_norm_coefficients(C, gamma_.data(), beta_.data(), mean_.data(), variance_.data(), epsilon,
                                             scale, shift);
      constexpr std::ptrdiff_t rows_per_frame = detail::sample_size<In> / extent_v<In, 0> / C;
      kernels::norm::scale_shift(x, y, static_cast<std::ptrdiff_t>(frames) * rows_per_frame, C, scale, shift);
    }

    // Training. saved: the mean and 1 / sqrt(variance + epsilon) that normalized, per channel (the
    // batch's, or the moving ones at inference); backward recomputes x_hat from them and x.
    static constexpr bool fused_update = In::rank == 3;
    static constexpr std::size_t saved_floats(int) { return 2 * static_cast<std::size_t>(C); }
    /// Per channel: the sums of dy and dy * x_hat, and a block's partial sums.
    static constexpr std::size_t backward_scratch_floats(int) { return 3 * static_cast<std::size_t>(C); }

    void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context& ctx) {
      float* mean = saved;
      float* inv_std = saved + C;
      const std::ptrdiff_t rows = static_cast<std::ptrdiff_t>(batch) * (detail::sample_size<In> / C);
      if (!uses_batch_statistics(ctx) || rows <= 0) {
        forward(x, y, batch, scratch);
        TSHAPE_NO_UNROLL for (int i = 0; i < C; ++i) {
          mean[i] = mean_[i];
          inv_std[i] = 1.0f / std::sqrt(variance_[i] + epsilon);
        }
        return;
      }
      float* variance = inv_std;  // until the coefficients are made
      kernels::norm::batch_moments(x, rows, C, mean, variance, scratch);
      const float unbiased =
          fused_update ? static_cast<float>(rows) / static_cast<float>(std::max<std::ptrdiff_t>(rows - 1, 1)) : 1.0f;
      TSHAPE_NO_UNROLL for (int i = 0; i < C; ++i) {
        mean_[i] = mean_[i] * momentum + mean[i] * (1.0f - momentum);
        variance_[i] = variance_[i] * momentum + variance[i] * unbiased * (1.0f - momentum);
      }
      float* scale = scratch;
      float* shift = scratch + C;
      kernels::norm::batch_norm_coefficients(C, gamma_.data(), beta_.data(), mean, variance, epsilon, scale, shift);
      kernels::norm::scale_shift(x, y, rows, C, scale, shift);
      TSHAPE_NO_UNROLL for (int i = 0; i < C; ++i) inv_std[i] = 1.0f / std::sqrt(variance[i] + epsilon);
    }

    void backward(const float* x, const float*, const float* dy, float* dx, int batch, const float* saved,
                  float* scratch, bind& grad, const train_context& ctx) const {
      const std::ptrdiff_t rows = static_cast<std::ptrdiff_t>(batch) * (detail::sample_size<In> / C);
      if (rows <= 0) return;
      float* sum_dy = scratch;
      float* sum_dy_xhat = scratch + C;
      kernels::norm::batch_norm_backward(x, dy, dx, rows, C, gamma_.data(), saved, saved + C,
                                         uses_batch_statistics(ctx), sum_dy, sum_dy_xhat, scratch + 2 * C);
      if (ctx.trainable)
        TSHAPE_NO_UNROLL for (int i = 0; i < C; ++i) {
          grad.gamma_[i] += sum_dy_xhat[i];
          grad.beta_[i] += sum_dy[i];
        }
    }

    /// The optimizer's arrays: gamma and beta (the moving statistics are not trained).
    template <class F>
    void for_each_trainable(F&& f) {
      f("gamma", gamma_.view());
      f("beta", beta_.view());
    }

    template <class F>
    constexpr void for_each_weight(F&& f) {
      f("gamma", gamma_.view());
      f("beta", beta_.view());
      f("moving_mean", mean_.view());
      f("moving_variance", variance_.view());
    }
    template <class F>
    constexpr void for_each_weight(F&& f) const {
      f("gamma", gamma_.view());
      f("beta", beta_.view());
      f("moving_mean", mean_.view());
      f("moving_variance", variance_.view());
    }
    /// Keras' initializers: gamma 1, beta 0, moving mean 0, moving variance 1.
    template <class R>
    void initialize(R&) {
      gamma_.fill(1.0f);
      beta_.fill(0.0f);
      mean_.fill(0.0f);
      variance_.fill(1.0f);
    }

   private:
    /// Keras 2's training=True, unless the layer is frozen (which Keras 2 runs at inference).
    static bool uses_batch_statistics(const train_context& ctx) { return ctx.training && ctx.trainable; }

    Tensor<float, channels> gamma_, beta_, mean_, variance_;
  };
};
}  // namespace detail

struct BatchNormalization : detail::batch_normalization_spec<BatchNormalization> {
  /// Keras' arguments, in any order: Momentum<Num, Den> (default Momentum<99, 100>), Epsilon<Num, Den>
  /// (default Epsilon<1, 1000>).
  template <class... Options>
  struct with : detail::batch_normalization_spec<with<Options...>, Options...> {};
};

}  // namespace tshape
