// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<1>, .*Conv2DTranspose<16, .*output_padding_must_be_smaller_than_strides<.*OutputPadding<1>, .*Strides<1>
// TITLE: Conv2DTranspose given OutputPadding<1> with its default stride of 1
// SEED: -
// KERAS: ValueError: Strides must be greater than output padding. Received strides=(1, 1), output_padding=(1, 1).
// FIX: output padding picks among the outputs a stride can give (each smaller than its stride): give the layer Strides<2>, or drop OutputPadding.
#include <tshape/tshape.hpp>
using namespace tshape;

using Decoder = Sequential<Input<16>, Reshape<4, 4, 1>, Conv2DTranspose<16, Kernel<3>, OutputPadding<1>, ReLU>,
                           Conv2D<1, Kernel<3>, Padding::same, Sigmoid>>;

Decoder::output_shape image;
