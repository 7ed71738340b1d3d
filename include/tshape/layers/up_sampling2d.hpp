// UpSampling2D<Options...>: (rows, cols, channels) samples enlarged by whole factors, as Keras':
//   Size<h, w> (Size<s> is s x s; default 2 x 2): (H, W, C) becomes (H * h, W * w, C)
//   Interpolation::nearest (default): each cell repeated h x w times
//   Interpolation::bilinear: tf.image.resize's bilinear with half-pixel centres, what tf.keras 2's
//     UpSampling2D(interpolation="bilinear") runs (PyTorch's align_corners=False alike)
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "layer.hpp"
#include "options.hpp"
#include "spatial_rank.hpp"

namespace tshape {

/// UpSampling2D's factors: Size<h, w>, or Size<s> for s x s (Keras' size=(2, 2)).
template <int... S>
struct Size {
  static constexpr std::array<int, sizeof...(S)> values{S...};
};

/// How UpSampling2D fills the cells between the input's: Keras' interpolation="nearest" / "bilinear".
struct Interpolation {
  struct nearest {};
  struct bilinear {};
};

namespace detail {

template <class T>
struct is_size : std::false_type {};
template <int... S>
struct is_size<Size<S...>> : std::true_type {};
template <class T>
struct is_interpolation
    : std::bool_constant<std::is_same_v<T, Interpolation::nearest> || std::is_same_v<T, Interpolation::bilinear>> {};
template <class O>
struct up_sampling2d_takes : std::bool_constant<is_size<O>::value || is_interpolation<O>::value> {};

/// One output index's source along an axis, as TensorFlow's bilinear resize with half-pixel
/// centres computes it in float: the two input cells and the weight of the second.
struct bilinear_tap {
  int lower = 0, upper = 0;
  float weight = 0.0f;
};

template <int In, int Out>
constexpr std::array<bilinear_tap, Out> bilinear_taps() {
  std::array<bilinear_tap, Out> taps{};
  const float scale = static_cast<float>(In) / static_cast<float>(Out);
  for (int o = 0; o < Out; ++o) {
    const float src = (static_cast<float>(o) + 0.5f) * scale - 0.5f;
    int below = static_cast<int>(src);  // floor, constexpr
    if (static_cast<float>(below) > src) --below;
    const int above = static_cast<float>(below) < src ? below + 1 : below;  // ceil
    taps[o].lower = std::max(below, 0);
    taps[o].upper = std::min(above, In - 1);
    taps[o].weight = src - static_cast<float>(below);
  }
  return taps;
}

}  // namespace detail

template <class... Options>  // Keras' UpSampling2D(2) is UpSampling2D<Size<2>>: options are types
struct UpSampling2D : detail::functional_call<UpSampling2D<Options...>> {
  static constexpr std::string_view keras_class = "UpSampling2D";
  static constexpr std::string_view keras_name = "up_sampling2d";
  using size_option = detail::option_t<detail::is_size, Size<2>, Options...>;
  static constexpr bool bilinear = std::is_same_v<detail::option_t<detail::is_interpolation, Interpolation::nearest,
                                                                   Options...>,
                                                  Interpolation::bilinear>;
  static constexpr auto factors = detail::window_values<size_option, 2>();
  static constexpr int fh = factors[0], fw = factors[1];

  static constexpr auto check_options() {
    using R = detail::options_rule_t<error::it_takes<Size<>, Interpolation::nearest, Interpolation::bilinear>,
                                     detail::up_sampling2d_takes, detail::type_list<Options...>, detail::is_size,
                                     detail::is_interpolation>;
    if constexpr (!std::is_void_v<R>)
      return R{};
    else if constexpr (!detail::window_option_fits<size_option, 2>())
      return mismatch<error::BAD_OPTION_VALUE, error::values_must_be_positive_one_per_axis_or_one_for_all<size_option>>{};
    else
      return;
  }
  using option_rule = decltype(check_options());

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using R = decltype(detail::channels_last_rank_rule<2, D...>());
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (!std::is_void_v<R>) {
      return R{};
    } else {
      constexpr int e[] = {D...};
      return Shape<e[0] * fh, e[1] * fw, e[2]>{};
    }
  }

  template <class In>
  struct bind : detail::no_parameters {
    static constexpr int H = In::extents[0], W = In::extents[1], C = In::extents[2];
    static constexpr int OH = H * fh, OW = W * fw;
    using input_shape = In;
    using output_shape = Shape<OH, OW, C>;

    void forward(const float* x, float* y, int batch, float*) const {
      if constexpr (bilinear)
        forward_bilinear(x, y, batch);
      else
        forward_nearest(x, y, batch);
    }
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (!dx || batch <= 0) return;
      if constexpr (bilinear)
        backward_bilinear(dy, dx, batch);
      else
        backward_nearest(dy, dx, batch);
    }

   private:
    static constexpr std::ptrdiff_t row_in = static_cast<std::ptrdiff_t>(W) * C, row_out = static_cast<std::ptrdiff_t>(OW) * C;
    static constexpr auto rows = detail::bilinear_taps<H, OH>();
    static constexpr auto cols = detail::bilinear_taps<W, OW>();

    /// Each input row widened once (every cell fw times), then copied to its fh output rows.
    static void forward_nearest(const float* x, float* y, int batch) {
      const std::ptrdiff_t in_rows = static_cast<std::ptrdiff_t>(batch) * H;
      for (std::ptrdiff_t r = 0; r < in_rows; ++r) {
        const float* src = x + r * row_in;
        float* o = y + r * fh * row_out;
        for (int j = 0; j < W; ++j)
          for (int k = 0; k < fw; ++k) std::copy_n(src + j * C, C, o + (j * fw + k) * C);
        for (int k = 1; k < fh; ++k) std::copy_n(o, row_out, o + k * row_out);
      }
    }
    /// dx: the sum of dy over each cell's h x w copies.
    static void backward_nearest(const float* dy, float* dx, int batch) {
      std::fill_n(dx, static_cast<std::ptrdiff_t>(batch) * H * row_in, 0.0f);
      const std::ptrdiff_t out_rows = static_cast<std::ptrdiff_t>(batch) * OH;
      for (std::ptrdiff_t r = 0; r < out_rows; ++r) {
        const float* d = dy + r * row_out;
        float* o = dx + (r / fh) * row_in;
        for (int j = 0; j < OW; ++j)
          for (int c = 0; c < C; ++c) o[(j / fw) * C + c] += d[j * C + c];
      }
    }
    /// As TensorFlow: top = tl + (tr - tl) * wx, bottom likewise, out = top + (bottom - top) * wy.
    static void forward_bilinear(const float* x, float* y, int batch) {
      for (std::ptrdiff_t n = 0; n < batch; ++n) {
        const float* xs = x + n * H * row_in;
        for (int i = 0; i < OH; ++i) {
          const float* above = xs + rows[i].lower * row_in;
          const float* below = xs + rows[i].upper * row_in;
          const float wy = rows[i].weight;
          float* o = y + (n * OH + i) * row_out;
          for (int j = 0; j < OW; ++j) {
            const int l = cols[j].lower * C, r = cols[j].upper * C;
            const float wx = cols[j].weight;
            for (int c = 0; c < C; ++c) {
              const float top = above[l + c] + (above[r + c] - above[l + c]) * wx;
              const float bottom = below[l + c] + (below[r + c] - below[l + c]) * wx;
              o[j * C + c] = top + (bottom - top) * wy;
            }
          }
        }
      }
    }
    /// Each output cell's dy spread back over its four sources with the forward's weights.
    static void backward_bilinear(const float* dy, float* dx, int batch) {
      std::fill_n(dx, static_cast<std::ptrdiff_t>(batch) * H * row_in, 0.0f);
      for (std::ptrdiff_t n = 0; n < batch; ++n) {
        float* dxs = dx + n * H * row_in;
        for (int i = 0; i < OH; ++i) {
          float* above = dxs + rows[i].lower * row_in;
          float* below = dxs + rows[i].upper * row_in;
          const float wy = rows[i].weight;
          const float* d = dy + (n * OH + i) * row_out;
          for (int j = 0; j < OW; ++j) {
            const int l = cols[j].lower * C, r = cols[j].upper * C;
            const float wx = cols[j].weight;
            for (int c = 0; c < C; ++c) {
              const float top = d[j * C + c] * (1.0f - wy), bottom = d[j * C + c] * wy;
              above[l + c] += top * (1.0f - wx);
              above[r + c] += top * wx;
              below[l + c] += bottom * (1.0f - wx);
              below[r + c] += bottom * wx;
            }
          }
        }
      }
    }
  };
};

}  // namespace tshape
