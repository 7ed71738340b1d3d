// AveragePooling2D: Keras' average pooling over (rows, cols, channels) samples. Options: Pool<ph, pw>
// (default 2 x 2), Strides (default: the pool size), Padding (default valid; 'same' divides by the real cells).
#pragma once
#include <string_view>

#include "pooling.hpp"

namespace tshape {

template <class... Options>  // Keras' AveragePooling2D(2) is AveragePooling2D<Pool<2, 2>>: options are types
struct AveragePooling2D : detail::pooling_layer<2, false, Options...>, detail::functional_call<AveragePooling2D<Options...>> {
  static constexpr std::string_view keras_class = "AveragePooling2D";
  static constexpr std::string_view keras_name = "average_pooling2d";
};

}  // namespace tshape
