// ZeroPadding1D<P...>: zeros before and after the steps of (steps, channels) samples, as Keras':
//   ZeroPadding1D<>             1 on each side (Keras' default padding=1)
//   ZeroPadding1D<p>            p on each side
//   ZeroPadding1D<left, right>  Keras' padding=(left, right)
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "layer.hpp"
#include "spatial_rank.hpp"

namespace tshape {

template <int... P>
struct ZeroPadding1D : detail::functional_call<ZeroPadding1D<P...>> {
  static constexpr std::string_view keras_class = "ZeroPadding1D";
  static constexpr std::string_view keras_name = "zero_padding1d";
  using option_rule =
      std::conditional_t<(sizeof...(P) <= 2 && ((P >= 0) && ...)), void,
                         mismatch<error::BAD_OPTION_VALUE, error::padding_one_or_two_values_not_negative<P...>>>;
  static constexpr std::array<int, 2> pads = [] {
    constexpr std::array<int, sizeof...(P)> p{P...};
    if constexpr (sizeof...(P) == 0)
      return std::array<int, 2>{1, 1};
    else if constexpr (sizeof...(P) == 1)
      return std::array<int, 2>{p[0], p[0]};
    else
      return std::array<int, 2>{p[0], p[1]};
  }();
  static constexpr int left = pads[0], right = pads[1];

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using R = decltype(detail::channels_last_rank_rule<1, D...>());
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (!std::is_void_v<R>) {
      return R{};
    } else {
      constexpr std::array<int, 2> e{D...};
      return Shape<e[0] + left + right, e[1]>{};
    }
  }

  template <class In>
  struct bind : detail::no_parameters {
    static constexpr int T = In::extents[0], C = In::extents[1];
    using input_shape = In;
    using output_shape = Shape<T + left + right, C>;

    void forward(const float* x, float* y, int batch, float*) const {
      constexpr std::ptrdiff_t in = static_cast<std::ptrdiff_t>(T) * C, out = in + (left + right) * C;
      for (std::ptrdiff_t n = 0; n < batch; ++n) {
        float* o = y + n * out;
        std::fill(o, o + left * C, 0.0f);
        std::copy(x + n * in, x + (n + 1) * in, o + left * C);
        std::fill(o + left * C + in, o + out, 0.0f);
      }
    }
    /// The zeros take no part: dx is dy without them.
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (!dx) return;
      constexpr std::ptrdiff_t in = static_cast<std::ptrdiff_t>(T) * C, out = in + (left + right) * C;
      for (std::ptrdiff_t n = 0; n < batch; ++n) std::copy_n(dy + n * out + left * C, in, dx + n * in);
    }
  };
};

}  // namespace tshape
