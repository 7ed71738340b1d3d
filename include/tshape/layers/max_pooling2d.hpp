// MaxPooling2D: Keras' max pooling over (rows, cols, channels) samples. Options: Pool<ph, pw>
// (default 2 x 2), Strides (default: the pool size), Padding (default valid; 'same' ignores the border cells).
#pragma once
#include <string_view>

#include "pooling.hpp"

namespace tshape {

template <class... Options>  // Keras' MaxPooling2D(2) is MaxPooling2D<Pool<2, 2>>: options are types
struct MaxPooling2D : detail::pooling_layer<2, true, Options...>, detail::functional_call<MaxPooling2D<Options...>> {
  static constexpr std::string_view keras_class = "MaxPooling2D";
  static constexpr std::string_view keras_name = "max_pooling2d";
};

}  // namespace tshape
