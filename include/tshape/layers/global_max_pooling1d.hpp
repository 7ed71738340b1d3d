// GlobalMaxPooling1D: the maximum over the steps axis, (steps, channels) -> (channels), as Keras'.
#pragma once
#include <string_view>

#include "pooling.hpp"

namespace tshape {

struct GlobalMaxPooling1D : detail::global_pooling_layer<1, true>, detail::functional_call<GlobalMaxPooling1D> {
  static constexpr std::string_view keras_class = "GlobalMaxPooling1D";
  static constexpr std::string_view keras_name = "global_max_pooling1d";
};

}  // namespace tshape
