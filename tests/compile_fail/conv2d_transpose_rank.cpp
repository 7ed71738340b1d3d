// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*Conv2DTranspose<8, .*expected_rank<3>, .*but_got_shape<.*None, 7, 7>, .*fix_with_layer_before_it<.*Reshape<7, 7, 1>
// TITLE: Conv2DTranspose on 7x7 maps declared without a channel axis
// SEED: -
// KERAS: ValueError: Input 0 of layer "conv2d_transpose" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: (None, 7, 7)
// FIX: declare the channel axis, Input<7, 7, 1>, or put the Reshape<7, 7, 1> named in the error before the layer.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<7, 7>, Conv2DTranspose<8, Kernel<3>, Strides<2>, Padding::same, ReLU>, Conv2D<1, Kernel<1>>>;

Net::output_shape out;
