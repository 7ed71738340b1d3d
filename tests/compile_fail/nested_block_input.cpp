// EXPECT-MESSAGE: tshape: the input.s shape does not match what the layer expects
// EXPECT-ERROR: SHAPE_MISMATCH<.*at_layer<1>, .*Sequential<.*Input<128>.*expected_input_shape<.*None, 128>, .*but_got_shape<.*None, 64>
// TITLE: A block declared for (None, 128) placed after a layer that gives (None, 64)
// SEED: 000
// KERAS: ValueError: Input 0 of layer "generator" is incompatible with the layer: expected shape=(None, 128), found shape=(None, 64)
// FIX: give the layer before the block 128 units (or declare the block without its own Input).
#include <tshape/tshape.hpp>
using namespace tshape;

using Generator = Sequential<Input<128>, Dense<256, ReLU>, Dense<784, Sigmoid>>;
using Gan = Sequential<Input<20>, Dense<64, ReLU>, Generator>;

Gan::output_shape images;
