// EXPECT-MESSAGE: tshape: the layer.s options cannot apply to its input
// EXPECT-ERROR: INVALID_OPTION<.*at_layer<0>, .*Reshape<-1, -1>, .*more_than_one_inferred_axis, .*but_got_shape<.*None, 8, 8>
// TITLE: Reshape with two extents to infer
// SEED: -
// KERAS: ValueError: Can only specify one unknown dimension. (when the model is built)
// FIX: give every extent but one; -1 infers only one of them.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<8, 8>, Reshape<-1, -1>>;

Net::output_shape y;
