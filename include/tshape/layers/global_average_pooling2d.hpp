// GlobalAveragePooling2D: the mean over rows and columns, (rows, cols, channels) -> (channels), as Keras'.
#pragma once
#include <string_view>

#include "pooling.hpp"

namespace tshape {

struct GlobalAveragePooling2D : detail::global_pooling_layer<2, false>, detail::functional_call<GlobalAveragePooling2D> {
  static constexpr std::string_view keras_class = "GlobalAveragePooling2D";
  static constexpr std::string_view keras_name = "global_average_pooling2d";
};

}  // namespace tshape
