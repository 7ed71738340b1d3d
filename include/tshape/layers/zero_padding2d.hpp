// ZeroPadding2D<P...>: rows and columns of zeros around (rows, cols, channels) samples, as Keras':
//   ZeroPadding2D<>            1 on every side (Keras' default padding=(1, 1))
//   ZeroPadding2D<p>           p on every side
//   ZeroPadding2D<ph, pw>      ph above and below, pw left and right
//   ZeroPadding2D<t, b, l, r>  Keras' ((top, bottom), (left, right))
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "layer.hpp"

namespace tshape {

template <int... P>
struct ZeroPadding2D : detail::functional_call<ZeroPadding2D<P...>> {
  static constexpr std::string_view keras_class = "ZeroPadding2D";
  static constexpr std::string_view keras_name = "zero_padding2d";
  /// void, or the option mistake the model reports: a count of values other than 0, 1, 2 or 4, or
  /// a negative one.
  using option_rule =
      std::conditional_t<((sizeof...(P) <= 2 || sizeof...(P) == 4) && ((P >= 0) && ...)), void,
                         mismatch<error::BAD_OPTION_VALUE, error::padding_one_two_or_four_values_not_negative<P...>>>;
  static constexpr std::array<int, 4> pads = [] {
    constexpr std::array<int, sizeof...(P)> p{P...};
    if constexpr (sizeof...(P) == 0)
      return std::array<int, 4>{1, 1, 1, 1};
    else if constexpr (sizeof...(P) == 1)
      return std::array<int, 4>{p[0], p[0], p[0], p[0]};
    else if constexpr (sizeof...(P) == 2 || sizeof...(P) == 3)
      return std::array<int, 4>{p[0], p[0], p[1], p[1]};
    else
      return std::array<int, 4>{p[0], p[1], p[2], p[3]};
  }();
  static constexpr int top = pads[0], bottom = pads[1], left = pads[2], right = pads[3];

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (sizeof...(D) == 2) {
      return mismatch<error::WRONG_RANK, error::expected_rank<3>, error::got<Shape<D...>>,
                      error::fix_with_layer_before_it<Reshape<D..., 1>>>{};
    } else if constexpr (sizeof...(D) != 3) {
      return mismatch<error::WRONG_RANK, error::expected_rank<3>, error::got<Shape<D...>>>{};
    } else {
      constexpr std::array<int, 3> e{D...};
      return Shape<e[0] + top + bottom, e[1] + left + right, e[2]>{};
    }
  }

  template <class In>
  struct bind {
    static constexpr int H = In::extents[0], W = In::extents[1], C = In::extents[2];
    using input_shape = In;
    using output_shape = Shape<H + top + bottom, W + left + right, C>;
    static constexpr long long param_count = 0;
    static constexpr long long non_trainable_count = 0;
    static constexpr std::size_t scratch_floats(int) { return 0; }

    void forward(const float* x, float* y, int batch, float*) const {
      constexpr std::ptrdiff_t row_in = static_cast<std::ptrdiff_t>(W) * C;
      constexpr std::ptrdiff_t row_out = static_cast<std::ptrdiff_t>(W + left + right) * C;
      constexpr std::ptrdiff_t out_rows = H + top + bottom;
      for (int n = 0; n < batch; ++n) {
        const float* xs = x + static_cast<std::ptrdiff_t>(n) * H * row_in;
        float* ys = y + n * out_rows * row_out;
        std::fill(ys, ys + top * row_out, 0.0f);
        for (int i = 0; i < H; ++i) {
          float* o = ys + (top + i) * row_out;
          std::fill(o, o + left * C, 0.0f);
          std::copy(xs + i * row_in, xs + (i + 1) * row_in, o + left * C);
          std::fill(o + left * C + row_in, o + row_out, 0.0f);
        }
        std::fill(ys + (top + H) * row_out, ys + out_rows * row_out, 0.0f);
      }
    }
    /// The padding's cells take no part: dx is dy cropped to the input.
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (!dx) return;
      constexpr std::ptrdiff_t row_in = static_cast<std::ptrdiff_t>(W) * C;
      constexpr std::ptrdiff_t row_out = static_cast<std::ptrdiff_t>(W + left + right) * C;
      constexpr std::ptrdiff_t out_rows = H + top + bottom;
      for (int n = 0; n < batch; ++n)
        for (int i = 0; i < H; ++i) {
          const float* d = dy + (n * out_rows + top + i) * row_out + left * C;
          std::copy(d, d + row_in, dx + (static_cast<std::ptrdiff_t>(n) * H + i) * row_in);
        }
    }
    template <class F>
    constexpr void for_each_weight(F&&) {}
    template <class F>
    constexpr void for_each_weight(F&&) const {}
    template <class R>
    void initialize(R&) {}
  };
};

}  // namespace tshape
