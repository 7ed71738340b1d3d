// Conv1D<Filters, Options...>: Keras' 1D convolution on (steps, channels) samples, with the options
// of Conv2D given one value each: Kernel<k>, Strides<s>, Padding, DilationRate<d>, an activation,
// UseBias<false>. The kernel is (k, in_channels, filters) as in Keras. It runs the Conv2D kernels
// on one row.
#pragma once
#include <string_view>

#include "conv2d.hpp"

namespace tshape {

template <int Filters, class... Options>  // Keras' Conv1D(16, 5) is Conv1D<16, Kernel<5>>: options are types
struct Conv1D : detail::conv_layer<1, Filters, Options...>, detail::functional_call<Conv1D<Filters, Options...>> {
  static constexpr std::string_view keras_class = "Conv1D";
  static constexpr std::string_view keras_name = "conv1d";
};

}  // namespace tshape
