// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*UpSampling1D<2>, .*expected_rank<2>, .*but_got_shape<.*None, 50>, .*fix_with_layer_before_it<.*Reshape<50, 1>
// TITLE: UpSampling1D on a signal declared without its channel axis (50,)
// SEED: -
// KERAS: ValueError: Input 0 of layer "up_sampling1d" is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (None, 50)
// FIX: declare the channel axis, Input<50, 1>, and feed expand_dims<-1>(x): a one-channel signal has one channel.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<50>, UpSampling1D<>, Conv1D<4, Kernel<5>, Padding::same, Tanh>>;

Net::output_shape out;
