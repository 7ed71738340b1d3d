// EXPECT-MESSAGE: tshape: the layer.s options cannot apply to its input
// EXPECT-ERROR: INVALID_OPTION<.*at_layer<2>, .*SoftmaxAxis<2>, .*axis_out_of_range, .*but_got_shape<.*None, 10>
// TITLE: Softmax over time (axis 2) after Flatten has removed the axis
// SEED: -
// KERAS: no error when the model is built; the first call fails inside tf.nn.softmax, which is given an axis the (None, 10) tensor does not have
// FIX: take the softmax over time while the scores are (None, 10, 1), Softmax::axis<1> before the Flatten; or Softmax::axis<1> (Softmax) on the flat (None, 10).
#include <tshape/tshape.hpp>
using namespace tshape;

// Attention pooling: one score per timestep, softmax over the 10 timesteps.
using Net = Sequential<Input<10, 16>, Dense<1>, Flatten, Softmax::axis<2>>;

Net::output_shape weights;
