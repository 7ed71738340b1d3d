// Cropping2D<C...>: rows and columns cut off the edges of (rows, cols, channels) samples, as Keras':
//   Cropping2D<>                    nothing (Keras' default cropping=((0, 0), (0, 0)))
//   Cropping2D<c>                   c on every side
//   Cropping2D<ch, cw>              ch above and below, cw left and right
//   Cropping2D<t, b, l, r>          Keras' ((top, bottom), (left, right))
// At least one row and one column must remain (Keras refuses the rest when the model is built).
#pragma once
#include <array>
#include <string_view>
#include <type_traits>

#include "cropping.hpp"

namespace tshape {

template <int... Crop>
struct Cropping2D : detail::functional_call<Cropping2D<Crop...>> {
  static constexpr std::string_view keras_class = "Cropping2D";
  static constexpr std::string_view keras_name = "cropping2d";
  /// void, or the option mistake the model reports: a count of values other than 0, 1, 2 or 4, or
  /// a negative one.
  using option_rule =
      std::conditional_t<((sizeof...(Crop) <= 2 || sizeof...(Crop) == 4) && ((Crop >= 0) && ...)), void,
                         mismatch<error::BAD_OPTION_VALUE, error::cropping_one_two_or_four_values_not_negative<Crop...>>>;
  static constexpr std::array<int, 4> crops = [] {
    constexpr std::array<int, sizeof...(Crop)> c{Crop...};
    if constexpr (sizeof...(Crop) == 0)
      return std::array<int, 4>{0, 0, 0, 0};
    else if constexpr (sizeof...(Crop) == 1)
      return std::array<int, 4>{c[0], c[0], c[0], c[0]};
    else if constexpr (sizeof...(Crop) == 2 || sizeof...(Crop) == 3)
      return std::array<int, 4>{c[0], c[0], c[1], c[1]};
    else
      return std::array<int, 4>{c[0], c[1], c[2], c[3]};
  }();
  static constexpr int top = crops[0], bottom = crops[1], left = crops[2], right = crops[3];

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using R = decltype(detail::channels_last_rank_rule<2, D...>());
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (!std::is_void_v<R>) {
      return R{};
    } else {
      constexpr std::array<int, 3> e{D...};
      if constexpr (!detail::crop_leaves_cells<e[0], top, bottom> || !detail::crop_leaves_cells<e[1], left, right>)
        return mismatch<error::INVALID_OPTION, error::cropping<top, bottom, left, right>, error::input_extent<e[0], e[1]>,
                        error::cropping_must_leave_at_least_one_cell_of_each_axis, error::got<Shape<D...>>>{};
      else
        return Shape<e[0] - top - bottom, e[1] - left - right, e[2]>{};
    }
  }

  template <class In>
  struct bind : detail::no_parameters {
    using copy = detail::crop_copy<In::extents[0], In::extents[1], In::extents[2], top, bottom, left, right>;
    using input_shape = In;
    using output_shape = Shape<copy::OH, copy::OW, In::extents[2]>;
    void forward(const float* x, float* y, int batch, float*) const { copy::forward(x, y, batch); }
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (dx) copy::backward(dy, dx, batch);
    }
  };
};

}  // namespace tshape
