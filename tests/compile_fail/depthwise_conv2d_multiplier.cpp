// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<1>, .*DepthwiseConv2D<.*DepthMultiplier<0>.*depth_multiplier<0>
// TITLE: A DepthwiseConv2D with a depth multiplier of 0 (a width multiplier that rounded down)
// SEED: -
// KERAS: ValueError: Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier=0.
// FIX: DepthMultiplier<m> is the number of filters per input channel, at least 1 (Keras' default); MobileNet's width multiplier alpha scales the filter counts of the Conv2D layers instead.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<32, 32, 3>, Conv2D<16, Kernel<3>, Strides<2>, Padding::same, ReLU6>,
                       DepthwiseConv2D<Kernel<3>, DepthMultiplier<0>, Padding::same, ReLU6>, Conv2D<24, Kernel<1>>>;

Net::output_shape features;
