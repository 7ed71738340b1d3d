// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*MaxPooling2D<.*Pool<2, 2>.*expected_rank<3>, .*but_got_shape<.*None, 64, 64>, .*fix_with_layer_before_it<.*Reshape<64, 64, 1>
// TITLE: MaxPooling2D on samples without a channel axis (64, 64)
// SEED: 003
// KERAS: ValueError: Input 0 of layer "max_pooling2d" is incompatible with the layer: expected ndim=4, found ndim=3. Full shape received: (None, 64, 64)
// FIX: declare the channel axis, Input<64, 64, 1>, and feed expand_dims<-1>(x).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64, 64>, MaxPooling2D<Pool<2, 2>>, Conv2D<8, Kernel<3, 3>, ReLU>, GlobalMaxPooling2D, Dense<1>>;

Net::output_shape out;
