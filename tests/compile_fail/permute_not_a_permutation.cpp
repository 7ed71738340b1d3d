// EXPECT-MESSAGE: tshape: the layer.s options cannot apply to its input
// EXPECT-ERROR: INVALID_OPTION<.*at_layer<1>, .*Permute<1, 1>, .*axes_are_not_a_permutation, .*but_got_shape<.*None, 10, 64>
// TITLE: Permute whose axes are not a permutation of the sample's axes
// SEED: -
// KERAS: ValueError: Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1.
// FIX: name each of the sample's axes once, counting from 1 (the batch axis is not counted): Permute<2, 1>.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 64>, Dense<64>, Permute<1, 1>>;

Net::output_shape y;
