// Cropping1D<C...>: steps cut off the start and end of (steps, channels) samples, as Keras':
//   Cropping1D<>             1 at each end (Keras' default cropping=(1, 1))
//   Cropping1D<c>            c at each end
//   Cropping1D<left, right>  Keras' cropping=(left, right)
// At least one step must remain (Keras refuses the rest when the model is built).
#pragma once
#include <array>
#include <string_view>
#include <type_traits>

#include "cropping.hpp"

namespace tshape {

template <int... Crop>
struct Cropping1D : detail::functional_call<Cropping1D<Crop...>> {
  static constexpr std::string_view keras_class = "Cropping1D";
  static constexpr std::string_view keras_name = "cropping1d";
  using option_rule =
      std::conditional_t<(sizeof...(Crop) <= 2 && ((Crop >= 0) && ...)), void,
                         mismatch<error::BAD_OPTION_VALUE, error::cropping_one_or_two_values_not_negative<Crop...>>>;
  static constexpr std::array<int, 2> crops = [] {
    constexpr std::array<int, sizeof...(Crop)> c{Crop...};
    if constexpr (sizeof...(Crop) == 0)
      return std::array<int, 2>{1, 1};
    else if constexpr (sizeof...(Crop) == 1)
      return std::array<int, 2>{c[0], c[0]};
    else
      return std::array<int, 2>{c[0], c[1]};
  }();
  static constexpr int left = crops[0], right = crops[1];

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using R = decltype(detail::channels_last_rank_rule<1, D...>());
    if constexpr (!std::is_void_v<option_rule>) {
      return option_rule{};
    } else if constexpr (!std::is_void_v<R>) {
      return R{};
    } else {
      constexpr std::array<int, 2> e{D...};
      if constexpr (!detail::crop_leaves_cells<e[0], left, right>)
        return mismatch<error::INVALID_OPTION, error::cropping<left, right>, error::input_extent<e[0]>,
                        error::cropping_must_leave_at_least_one_cell_of_each_axis, error::got<Shape<D...>>>{};
      else
        return Shape<e[0] - left - right, e[1]>{};
    }
  }

  template <class In>
  struct bind : detail::no_parameters {
    using copy = detail::crop_copy<1, In::extents[0], In::extents[1], 0, 0, left, right>;
    using input_shape = In;
    using output_shape = Shape<copy::OW, In::extents[1]>;
    void forward(const float* x, float* y, int batch, float*) const { copy::forward(x, y, batch); }
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (dx) copy::backward(dy, dx, batch);
    }
  };
};

}  // namespace tshape
