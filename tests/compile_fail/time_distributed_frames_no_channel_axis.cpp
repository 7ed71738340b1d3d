// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*TimeDistributed<.*Conv2D<16, .*Kernel<3, 3>.*each_timestep_of<.*None, 10, 28, 28>, .*expected_rank<3>, .*but_got_shape<.*None, 28, 28>, .*fix_with_layer_before_it<.*Reshape<10, 28, 28, 1>
// TITLE: Conv2D on every frame of a video whose frames have no channel axis (10, 28, 28)
// SEED: -
// KERAS: ValueError: Input 0 of layer "conv2d" is incompatible with the layer: expected min_ndim=4, found ndim=3. Full shape received: (None, 28, 28)
// FIX: declare each frame's channel axis, Input<10, 28, 28, 1>, and feed expand_dims<-1>(x): grey frames have one channel.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 28, 28>, TimeDistributed<Conv2D<16, Kernel<3, 3>, ReLU>>, TimeDistributed<GlobalAveragePooling2D>,
                       LSTM<32>, Dense<5, Softmax>>;

Net::output_shape scores;
