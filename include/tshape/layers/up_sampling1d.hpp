// UpSampling1D<Size>: each step of (steps, channels) samples repeated Size times, as Keras'
// UpSampling1D(size=2) (default 2): (t, c) becomes (t * Size, c).
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "layer.hpp"
#include "spatial_rank.hpp"

namespace tshape {

template <int Size = 2>
struct UpSampling1D : detail::functional_call<UpSampling1D<Size>> {
  static constexpr std::string_view keras_class = "UpSampling1D";
  static constexpr std::string_view keras_name = "up_sampling1d";
  using option_rule = std::conditional_t<(Size > 0), void, mismatch<error::BAD_OPTION_VALUE, error::size<Size>>>;

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using R = decltype(detail::channels_last_rank_rule<1, D...>());
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (!std::is_void_v<R>) {
      return R{};
    } else {
      constexpr int e[] = {D...};
      return Shape<e[0] * Size, e[1]>{};
    }
  }

  template <class In>
  struct bind : detail::no_parameters {
    static constexpr int T = In::extents[0], C = In::extents[1];
    using input_shape = In;
    using output_shape = Shape<T * Size, C>;

    void forward(const float* x, float* y, int batch, float*) const {
      const std::ptrdiff_t steps = static_cast<std::ptrdiff_t>(batch) * T;
      for (std::ptrdiff_t t = 0; t < steps; ++t)
        for (int r = 0; r < Size; ++r) std::copy_n(x + t * C, C, y + (t * Size + r) * C);
    }
    /// dx: the sum of dy over each step's copies.
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (!dx) return;
      const std::ptrdiff_t steps = static_cast<std::ptrdiff_t>(batch) * T;
      for (std::ptrdiff_t t = 0; t < steps; ++t) {
        float* d = dx + t * C;
        std::copy_n(dy + t * Size * C, C, d);
        for (int r = 1; r < Size; ++r)
          for (int c = 0; c < C; ++c) d[c] += dy[(t * Size + r) * C + c];
      }
    }
  };
};

}  // namespace tshape
