// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*GRU<32>, .*expected_rank<2>, .*but_got_shape<.*None, 10, 8, 3>, .*fix_with_layer_before_it<.*Reshape<10, 24>
// TITLE: A GRU fed samples of (timesteps, rows, channels)
// SEED: -
// KERAS: ValueError: Input 0 of layer "gru" is incompatible with the layer: expected ndim=3, found ndim=4. Full shape received: (None, 10, 8, 3)
// FIX: merge the axes after the first into features: Reshape<10, 24> before the GRU (or Input<10, 24>).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 8, 3>, GRU<32>, Dense<1>>;

Net::output_shape y;
