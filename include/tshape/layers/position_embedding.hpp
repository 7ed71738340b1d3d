// PositionEmbedding<SequenceLength>: keras_hub's (formerly keras_nlp's) PositionEmbedding, a learned
// table of one vector per position.
//
//   constexpr auto tokens = Input<32, 64>{};                       // 32 timesteps of 64 features
//   constexpr auto x = Add{}(tokens, PositionEmbedding<32>{}(tokens));
//
// As keras_hub's layer, it RETURNS the position embeddings, broadcast to its input's shape, and does
// not add them: output[..., t, f] = embeddings[t, f], whatever the input's values. Adding them to the
// input is the model's Add (a functional model, as above), as keras_hub's own examples do. The input
// gives only the shape: its last axis is the features (d), the one before it the timesteps (T), and
// any axes before those get the same table.
//
// Weights: embeddings (SequenceLength, d), Keras' glorot_uniform; T may be shorter than
// SequenceLength, and then the first T rows are used (keras_hub's call with start_index 0).
// Summary: `position_embedding (PositionEmbedding)`, SequenceLength * d parameters.
//
// Rules: a sample of timesteps and features (rank >= 2), else WRONG_RANK; at most SequenceLength
// timesteps, else INVALID_OPTION naming sequence_length<SequenceLength> and the input's steps.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

#include "layer.hpp"

namespace tshape {

namespace error {
/// PositionEmbedding's table length: the most timesteps it has a position for.
template <int N>
struct sequence_length {};
/// The timesteps of the input (the axis before the features).
template <int N>
struct input_timesteps {};
}  // namespace error

template <int SequenceLength>
struct PositionEmbedding : detail::functional_call<PositionEmbedding<SequenceLength>> {
  static constexpr std::string_view keras_class = "PositionEmbedding";
  static constexpr std::string_view keras_name = "position_embedding";
  static constexpr int sequence_length = SequenceLength;

  template <int... D>
  static constexpr auto infer(Shape<D...> s) {
    if constexpr (SequenceLength <= 0) {
      return mismatch<error::BAD_OPTION_VALUE, error::sequence_length<SequenceLength>>{};
    } else if constexpr (sizeof...(D) < 2) {
      return mismatch<error::WRONG_RANK, error::expected_rank_at_least<2>, error::got<Shape<D...>>>{};
    } else {
      constexpr int steps = extent_v<Shape<D...>, -2>;
      if constexpr (steps > SequenceLength)
        return mismatch<error::INVALID_OPTION, error::sequence_length<SequenceLength>, error::input_timesteps<steps>,
                        error::got<Shape<D...>>>{};
      else
        return s;
    }
  }

  template <class In>
  class bind {
    static constexpr int T = extent_v<In, -2>;
    static constexpr int d = last_extent_v<In>;
    static constexpr std::ptrdiff_t used = static_cast<std::ptrdiff_t>(T) * d;  // the table's first T rows
    static constexpr std::ptrdiff_t blocks_per_sample = detail::sample_size<In> / used;

   public:
    using input_shape = In;
    using output_shape = In;
    static constexpr long long param_count = 1LL * SequenceLength * d;
    static constexpr long long non_trainable_count = 0;
    static constexpr std::size_t scratch_floats(int) { return 0; }

    constexpr TensorView<float, Shape<SequenceLength, d>> embeddings() { return embeddings_.view(); }
    constexpr TensorView<const float, Shape<SequenceLength, d>> embeddings() const { return embeddings_.view(); }

    void forward(const float*, float* y, int batch, float*) const {
      const std::ptrdiff_t blocks = static_cast<std::ptrdiff_t>(batch) * blocks_per_sample;
      for (std::ptrdiff_t b = 0; b < blocks; ++b) std::copy_n(embeddings_.data(), used, y + b * used);
    }

    // Training: the output does not depend on the input's values (dx = 0); each table cell's gradient
    // is the sum of dy over the samples (and leading axes) at its position.
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind& grad,
                  const train_context& ctx) const {
      const std::ptrdiff_t blocks = static_cast<std::ptrdiff_t>(batch) * blocks_per_sample;
      if (dx && blocks > 0) std::fill_n(dx, blocks * used, 0.0f);
      if (ctx.trainable) {
        float* g = grad.embeddings_.data();
        for (std::ptrdiff_t b = 0; b < blocks; ++b) {
          const float* src = dy + b * used;
          for (std::ptrdiff_t i = 0; i < used; ++i) g[i] += src[i];
        }
      }
    }

    template <class F>
    constexpr void for_each_weight(F&& f) {
      f("embeddings", embeddings_.view());
    }
    template <class F>
    constexpr void for_each_weight(F&& f) const {
      f("embeddings", embeddings_.view());
    }
    template <class R>
    void initialize(R& rng) {
      detail::glorot_uniform(embeddings_.view(), SequenceLength, d, rng);
    }

   private:
    Tensor<float, Shape<SequenceLength, d>> embeddings_;
  };
};

}  // namespace tshape
