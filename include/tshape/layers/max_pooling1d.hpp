// MaxPooling1D: Keras' max pooling over (steps, channels) samples. Options: Pool<p> (default 2),
// Strides<s> (default: the pool size), Padding (default valid; 'same' ignores the border cells).
#pragma once
#include <string_view>

#include "pooling.hpp"

namespace tshape {

template <class... Options>  // Keras' MaxPooling1D(2) is MaxPooling1D<Pool<2>>: options are types
struct MaxPooling1D : detail::pooling_layer<1, true, Options...>, detail::functional_call<MaxPooling1D<Options...>> {
  static constexpr std::string_view keras_class = "MaxPooling1D";
  static constexpr std::string_view keras_name = "max_pooling1d";
};

}  // namespace tshape
