// EXPECT-MESSAGE: tshape: the input.s shape does not match what the layer expects
// EXPECT-ERROR: SHAPE_MISMATCH<.*at_layer<999>
// Fails to compile with the right words, but not with the expected diagnosis: the harness must report it.
#include <tshape/tshape.hpp>
using Generator = tshape::Sequential<tshape::Input<128>, tshape::Dense<10>>;
using Net = tshape::Sequential<tshape::Input<20>, Generator>;
Net::output_shape out;
