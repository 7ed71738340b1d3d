// EXPECT-MESSAGE: tshape: the input.s shape does not match what the layer expects
// EXPECT-ERROR: SHAPE_MISMATCH
// Valid code: the harness must report that it compiled.
#include <tshape/tshape.hpp>
using Net = tshape::Sequential<tshape::Input<20>, tshape::Dense<10>>;
static_assert(std::is_same_v<Net::output_shape, tshape::Shape<10>>);
