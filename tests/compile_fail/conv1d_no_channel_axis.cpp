// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*Conv1D<16, .*Kernel<5>.*expected_rank<2>, .*but_got_shape<.*None, 100>, .*fix_with_layer_before_it<.*Reshape<100, 1>
// TITLE: Conv1D on a signal declared without a channel axis (100,)
// SEED: -
// KERAS: ValueError: Input 0 of layer "conv1d" is incompatible with the layer: expected min_ndim=3, found ndim=2. Full shape received: (None, 100)
// FIX: a signal of 100 steps with one value per step is Input<100, 1> (or Reshape<100, 1> before the Conv1D); feed it expand_dims<-1>(x).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<100>, Conv1D<16, Kernel<5>, ReLU>, MaxPooling1D<>, GlobalAveragePooling1D, Dense<1>>;

Net::output_shape out;
