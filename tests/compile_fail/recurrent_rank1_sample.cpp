// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*LSTM<64>, .*expected_rank<2>, .*but_got_shape<.*None, 5>, .*fix_with_layer_before_it<.*Reshape<5, 1>
// TITLE: An LSTM fed (samples, features) instead of (samples, timesteps, features)
// SEED: 003
// KERAS: ValueError: Input 0 of layer "lstm" is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (None, 5)
// FIX: give each sample a time axis: Input<5, 1> (or Reshape<5, 1> before the LSTM) reads the 5 features as 5 timesteps of 1 feature; feed the data as it is with the Reshape, or expand_dims<-1>(x) with Input<5, 1>.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<5>, LSTM<64>, Dense<1>>;

Net::output_shape y;
