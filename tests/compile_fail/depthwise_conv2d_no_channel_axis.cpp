// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*DepthwiseConv2D<.*Kernel<3, 3>.*expected_rank<3>, .*but_got_shape<.*None, 28, 28>, .*fix_with_layer_before_it<.*Reshape<28, 28, 1>
// TITLE: DepthwiseConv2D on images declared without a channel axis (28, 28)
// SEED: -
// KERAS: ValueError: Input 0 of layer "depthwise_conv2d" is incompatible with the layer: expected min_ndim=4, found ndim=3. Full shape received: (None, 28, 28)
// FIX: declare the channel axis, Input<28, 28, 1>, and feed expand_dims<-1>(x): a depthwise convolution filters each channel on its own, and a grey image has one.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<28, 28>, DepthwiseConv2D<Kernel<3, 3>, Padding::same, ReLU6>, GlobalAveragePooling2D,
                       Dense<10, Softmax>>;

Net::output_shape scores;
