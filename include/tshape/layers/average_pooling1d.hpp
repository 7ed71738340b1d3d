// AveragePooling1D: Keras' average pooling over (steps, channels) samples. Options: Pool<p> (default 2),
// Strides<s> (default: the pool size), Padding (default valid; 'same' divides by the real cells).
#pragma once
#include <string_view>

#include "pooling.hpp"

namespace tshape {

template <class... Options>  // Keras' AveragePooling1D(2) is AveragePooling1D<Pool<2>>: options are types
struct AveragePooling1D : detail::pooling_layer<1, false, Options...>, detail::functional_call<AveragePooling1D<Options...>> {
  static constexpr std::string_view keras_class = "AveragePooling1D";
  static constexpr std::string_view keras_name = "average_pooling1d";
};

}  // namespace tshape
