// Embedding<InputDim, OutputDim>: integer token ids in, their rows of `embeddings` out, as Keras'
// Embedding(input_dim, output_dim): a sample of ids of shape (D...) becomes (D..., output_dim), e.g.
// (T,) -> (T, output_dim). The weight `embeddings` is (input_dim, output_dim); Keras' default
// initializer is uniform in [-0.05, 0.05].
//
// The ids are int32 data: a Sequential whose first layer is an Embedding, or a functional Input that
// an Embedding reads, takes Tensor<int, ...> (a float tensor is a compile error, as is an Embedding
// after another layer or a float layer reading the ids; layer.hpp says how ids travel).
// An id outside [0, input_dim) is a run-time error where the data enters the model (the model checks
// every id before the pass, try_forward returns it) and again here, so it never reads out of bounds.
// Not supported: mask_zero (tshape has no masks), embeddings regularizers and constraints.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../diagnostics/runtime.hpp"
#include "layer.hpp"

namespace tshape {

template <int InputDim, int OutputDim>
struct Embedding : detail::functional_call<Embedding<InputDim, OutputDim>> {
  /// void, or the option mistake the model reports (layer.hpp).
  using option_rule = std::conditional_t<(InputDim <= 0 || OutputDim <= 0),
                                         mismatch<error::BAD_OPTION_VALUE, error::input_dim<InputDim>, error::output_dim<OutputDim>>,
                                         void>;
  static constexpr std::string_view keras_class = "Embedding";
  static constexpr std::string_view keras_name = "embedding";
  static constexpr bool takes_token_ids = true;
  static constexpr int input_dim = InputDim;
  static constexpr int output_dim = OutputDim;

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else
      return Shape<D..., OutputDim>{};
  }

  template <class In>
  class bind {
    static constexpr std::ptrdiff_t ids_per_sample = detail::sample_size<In>;

   public:
    using input_shape = In;
    using output_shape = decltype(infer(In{}));
    static constexpr long long param_count = 1LL * InputDim * OutputDim;
    static constexpr long long non_trainable_count = 0;
    static constexpr int token_id_limit = InputDim;
    static constexpr std::size_t scratch_floats(int) { return 0; }

    constexpr TensorView<float, Shape<InputDim, OutputDim>> embeddings() { return embeddings_.view(); }
    constexpr TensorView<const float, Shape<InputDim, OutputDim>> embeddings() const { return embeddings_.view(); }

    /// x is the address of batch x ids_per_sample int32 ids (layer.hpp: token ids).
    void forward(const float* x, float* y, int batch, float*) const {
      const std::int32_t* ids = detail::as_token_ids(x);
      const std::ptrdiff_t n = ids_per_sample * batch;
      const float* table = embeddings_.data();
      for (std::ptrdiff_t i = 0; i < n; ++i) {
        const std::int32_t id = ids[i];
        if (static_cast<std::uint32_t>(id) >= static_cast<std::uint32_t>(InputDim)) raise(token_id_error(ids, n, InputDim));
        std::copy_n(table + static_cast<std::ptrdiff_t>(id) * OutputDim, OutputDim, y + i * OutputDim);
      }
    }

    /// dL/dembeddings: each row of dy added into the row of its id (ids that repeat add up). The ids
    /// have no gradient: dx, if asked for, is zero.
    void backward(const float* x, const float*, const float* dy, float* dx, int batch, const float*, float*,
                  bind& grad, const train_context& ctx) const {
      const std::int32_t* ids = detail::as_token_ids(x);
      const std::ptrdiff_t n = ids_per_sample * batch;
      if (ctx.trainable) {
        float* g = grad.embeddings_.data();
        for (std::ptrdiff_t i = 0; i < n; ++i) {
          // forward_train ran on these ids and checked them.
          float* row = g + static_cast<std::ptrdiff_t>(ids[i]) * OutputDim;
          const float* d = dy + i * OutputDim;
          for (int j = 0; j < OutputDim; ++j) row[j] += d[j];
        }
      }
      if (dx && n > 0) std::fill_n(dx, n, 0.0f);
    }

    template <class F>
    constexpr void for_each_weight(F&& f) {
      f("embeddings", embeddings_.view());
    }
    template <class F>
    constexpr void for_each_weight(F&& f) const {
      f("embeddings", embeddings_.view());
    }
    /// Keras' RandomUniform(-0.05, 0.05).
    template <class R>
    void initialize(R& rng) {
      for (auto& v : embeddings_.view()) v = rng.uniform(-0.05f, 0.05f);
    }

   private:
    Tensor<float, Shape<InputDim, OutputDim>> embeddings_;
  };
};

}  // namespace tshape
