// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<1>, .*Permute<2, 1>, .*expected_rank<2>, .*but_got_shape<.*None, 10, 8, 3>
// TITLE: Permute that names fewer axes than the sample has
// SEED: -
// KERAS: ValueError: dimension 3 of the input is not permuted (Permute((2, 1)) on (None, 10, 8, 3); when the model is built)
// FIX: name every axis of the sample once, counting from 1: Permute<2, 1, 3> swaps the first two of three.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 8, 3>, Dense<3>, Permute<2, 1>>;

Net::output_shape y;
