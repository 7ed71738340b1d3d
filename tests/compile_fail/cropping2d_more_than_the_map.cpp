// EXPECT-MESSAGE: tshape: the layer.s options cannot apply to its input
// EXPECT-ERROR: INVALID_OPTION<.*at_layer<2>, .*Cropping2D<7>, .*cropping<7, 7, 7, 7>, .*input_extent<13, 13>, .*cropping_must_leave_at_least_one_cell_of_each_axis
// TITLE: Cropping2D takes 7 cells off each side of 13x13 maps (14 of 13)
// SEED: -
// KERAS: ValueError: Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input. Received: input_shape=(None, 13, 13, 8), cropping=((7, 7), (7, 7))
// FIX: crop less than the map holds (Cropping2D<6> leaves 1x1), or crop before the pooling that halved the map.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<28, 28, 1>, Conv2D<8, Kernel<3>, ReLU>, MaxPooling2D<>, Cropping2D<7>, Flatten, Dense<10>>;

Net::output_shape out;
