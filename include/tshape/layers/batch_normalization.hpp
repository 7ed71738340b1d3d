// BatchNormalization: Keras' layer at inference, over the last axis:
//   y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta,  epsilon = 1e-3
// (PyTorch's default is 1e-5: convert with care). Four arrays of `channels` floats, in Keras'
// get_weights() order gamma, beta, moving_mean, moving_variance; the moving statistics count as
// non-trainable parameters, as in Keras' summary.
#pragma once
#include <cstddef>
#include <string_view>

#include "../kernels/norm/batch_norm.hpp"
#include "layer.hpp"

namespace tshape {

struct BatchNormalization {
  static constexpr std::string_view keras_class = "BatchNormalization";
  static constexpr std::string_view keras_name = "batch_normalization";
  static constexpr float epsilon = 1e-3f;

  template <int... D>
  static constexpr auto infer(Shape<D...> s) {
    if constexpr (sizeof...(D) == 0)
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

    template <class F>
    void for_each_weight(F&& f) {
      f("gamma", gamma_.view());
      f("beta", beta_.view());
      f("moving_mean", mean_.view());
      f("moving_variance", variance_.view());
    }
    template <class F>
    void for_each_weight(F&& f) const {
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
    Tensor<float, channels> gamma_, beta_, mean_, variance_;
  };
};

}  // namespace tshape
