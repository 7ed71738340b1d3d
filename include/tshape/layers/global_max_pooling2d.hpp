// GlobalMaxPooling2D: the maximum over rows and columns, (rows, cols, channels) -> (channels), as Keras'.
#pragma once
#include <string_view>

#include "pooling.hpp"

namespace tshape {

struct GlobalMaxPooling2D : detail::global_pooling_layer<2, true>, detail::functional_call<GlobalMaxPooling2D> {
  static constexpr std::string_view keras_class = "GlobalMaxPooling2D";
  static constexpr std::string_view keras_name = "global_max_pooling2d";
};

}  // namespace tshape
