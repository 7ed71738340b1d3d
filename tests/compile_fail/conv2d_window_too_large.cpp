// EXPECT-MESSAGE: tshape: a .valid. window is larger than its input
// EXPECT-ERROR: WINDOW_LARGER_THAN_INPUT<.*at_layer<2>, .*Conv2D<16, .*Kernel<5, 5>.*window<5, 5>, .*input_extent<4, 4>
// TITLE: A 'valid' 5x5 convolution on the 4x4 maps left by a first 5x5 convolution and a pooling
// SEED: -
// KERAS: ValueError: Negative dimension size caused by subtracting 5 from 4 for '{{node conv2d_1/Conv2D}} = Conv2D[...]' with input shapes: [?,4,4,16], [5,5,16,16].
// FIX: use Padding::same (the maps keep their size), a smaller kernel, or a larger input.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<12, 12, 1>, Conv2D<16, Kernel<5, 5>, ReLU>, MaxPooling2D<>, Conv2D<16, Kernel<5, 5>, ReLU>,
                       GlobalAveragePooling2D, Dense<1>>;

Net::output_shape out;
