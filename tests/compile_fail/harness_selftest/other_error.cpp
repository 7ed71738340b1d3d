// EXPECT-MESSAGE: tshape: the input.s shape does not match what the layer expects
// EXPECT-ERROR: SHAPE_MISMATCH<.*at_layer<0>
// Fails with an unrelated error (a misspelt layer): the harness must not count it as the rule's.
#include <tshape/tshape.hpp>
using Net = tshape::Sequential<tshape::Input<20>, tshape::Dence<10>>;
Net::output_shape out;
