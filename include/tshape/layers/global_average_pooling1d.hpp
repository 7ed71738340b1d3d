// GlobalAveragePooling1D: the mean over the steps axis, (steps, channels) -> (channels), as Keras'
// (channels_last, no mask).
#pragma once
#include <string_view>

#include "pooling.hpp"

namespace tshape {

struct GlobalAveragePooling1D : detail::global_pooling_layer<1, false>, detail::functional_call<GlobalAveragePooling1D> {
  static constexpr std::string_view keras_class = "GlobalAveragePooling1D";
  static constexpr std::string_view keras_name = "global_average_pooling1d";
};

}  // namespace tshape
