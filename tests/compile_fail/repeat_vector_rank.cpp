// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<1>, .*RepeatVector<5>, .*expected_rank<1>, .*but_got_shape<.*None, 10, 16>
// TITLE: RepeatVector fed a sequence instead of a vector
// SEED: -
// KERAS: ValueError: Input 0 of layer "repeat_vector" is incompatible with the layer: expected ndim=2, found ndim=3. Full shape received: (None, 10, 16)
// FIX: reduce the sequence to a vector first (Flatten, or a recurrent layer without ReturnSequences).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 4>, Dense<16>, RepeatVector<5>>;

Net::output_shape y;
