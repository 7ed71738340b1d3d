// RepeatVector<N>: a (features,) sample becomes (N, features), the vector repeated N times, as
// Keras' RepeatVector(n) (e.g. between an encoder and a recurrent decoder).
#pragma once
#include <algorithm>
#include <string_view>

#include "layer.hpp"

namespace tshape {

template <int N>
struct RepeatVector : detail::functional_call<RepeatVector<N>> {
  static constexpr std::string_view keras_class = "RepeatVector";
  static constexpr std::string_view keras_name = "repeat_vector";
  using option_rule = std::conditional_t<(N > 0), void, mismatch<error::BAD_OPTION_VALUE, error::repeats<N>>>;

  template <int... S>
  static constexpr auto infer(Shape<S...>) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else if constexpr (sizeof...(S) != 1)
      return mismatch<error::WRONG_RANK, error::expected_rank<1>, error::got<Shape<S...>>>{};
    else
      return Shape<N, S...>{};
  }

  template <class In>
  struct bind : detail::no_parameters {
    using input_shape = In;
    using output_shape = Shape<N, In::extents[0]>;
    void forward(const float* x, float* y, int batch, float*) const {
      constexpr int f = In::extents[0];
      for (int b = 0; b < batch; ++b)
        for (int r = 0; r < N; ++r) std::copy(x + b * f, x + (b + 1) * f, y + (b * N + r) * f);
    }
    /// dx: the sum of dy over the repeats.
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (!dx) return;
      constexpr int f = In::extents[0];
      for (int b = 0; b < batch; ++b) {
        float* dxb = dx + b * f;
        std::copy(dy + b * N * f, dy + (b * N + 1) * f, dxb);
        for (int r = 1; r < N; ++r)
          for (int j = 0; j < f; ++j) dxb[j] += dy[(b * N + r) * f + j];
      }
    }
  };
};

}  // namespace tshape
