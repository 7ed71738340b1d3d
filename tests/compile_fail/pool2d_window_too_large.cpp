// EXPECT-MESSAGE: tshape: a .valid. window is larger than its input
// EXPECT-ERROR: WINDOW_LARGER_THAN_INPUT<.*at_layer<2>, .*MaxPooling2D<.*Pool<3, 3>.*window<3, 3>, .*input_extent<2, 2>
// TITLE: A 'valid' 3x3 pooling on 2x2 maps
// SEED: -
// KERAS: ValueError: Negative dimension size caused by subtracting 3 from 2 for '{{node max_pooling2d_1/MaxPool}} = MaxPool[...]' with input shapes: [?,2,2,8].
// FIX: use Padding::same, a smaller pool, or fewer poolings before it.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<5, 5, 8>, Conv2D<8, Kernel<1>>, MaxPooling2D<Pool<2, 2>>, MaxPooling2D<Pool<3, 3>>, Dense<1>>;

Net::output_shape out;
