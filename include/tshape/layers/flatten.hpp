// Flatten: one sample's axes become one, in row-major order (for NHWC: channel fastest, then
// column, then row), as Keras' Flatten with channels_last. A rank-1 sample stays as it is; a rank-0
// sample becomes (1,).
#pragma once
#include <string_view>

#include "layer.hpp"

namespace tshape {

struct Flatten : detail::functional_call<Flatten> {
  static constexpr std::string_view keras_class = "Flatten";
  static constexpr std::string_view keras_name = "flatten";

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    return Shape<(1 * ... * D)>{};
  }
  template <class In>
  using bind = detail::relabel_layer<In, Shape<static_cast<int>(In::static_size)>>;
};

}  // namespace tshape
