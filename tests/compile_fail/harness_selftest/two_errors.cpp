// EXPECT-MESSAGE: tshape: the target shape holds a different number of elements than the input
// EXPECT-ERROR: ELEMENT_COUNT_MISMATCH<.*at_layer<0>
// The rule's error, then a second one in the program: the harness must count two and fail the test.
#include <tshape/tshape.hpp>
using Net = tshape::Sequential<tshape::Input<20>, tshape::Reshape<3, 7>>;
Net::output_shape out;
int second = undeclared_name;
