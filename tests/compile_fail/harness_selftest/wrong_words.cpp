// EXPECT-MESSAGE: tshape: the input.s rank is not the one the layer expects
// EXPECT-ERROR: SHAPE_MISMATCH<.*at_layer<0>, .*Sequential<.*Input<128>
// Fails with the right diagnosis under the wrong words: the harness must report it.
#include <tshape/tshape.hpp>
using Generator = tshape::Sequential<tshape::Input<128>, tshape::Dense<10>>;
using Net = tshape::Sequential<tshape::Input<20>, Generator>;
Net::output_shape out;
