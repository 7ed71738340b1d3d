// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*TimeDistributed<.*Dense<8.*expected_rank_at_least<2>, .*but_got_shape<.*None, 16>
// TITLE: TimeDistributed on samples without a time axis
// SEED: -
// KERAS: ValueError: `TimeDistributed` Layer should be passed an `input_shape ` with at least 3 dimensions, received: (None, 16)
// FIX: give the samples their time axis, Input<10, 16> for 10 timesteps of 16 features; a Dense on one vector of features needs no wrapper.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16>, TimeDistributed<Dense<8, ReLU>>, Dense<1>>;

Net::output_shape y;
