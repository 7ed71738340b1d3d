// EXPECT-MESSAGE: tshape: the target shape holds a different number of elements than the input
// EXPECT-ERROR: ELEMENT_COUNT_MISMATCH<.*at_layer<0>, .*Reshape<32768>, .*expected_element_count<32768>, .*but_got_shape<.*None, 30, 30, 32>, .*with_element_count<28800>
// TITLE: Reshape to 32*32*32 after a 'valid' 3x3 convolution of 32x32x1
// SEED: 001
// KERAS: ValueError: total size of new array must be unchanged, input_shape = [30, 30, 32], output_shape = [32768]
// FIX: a 'valid' 3x3 convolution trims a row and a column on each side, so 32x32 becomes 30x30: reshape to 30*30*32 = 28,800 elements, use Reshape<-1> (Flatten), or pad with Padding::same.
#include <tshape/tshape.hpp>
using namespace tshape;

// (30, 30, 32) is what Conv2D<32, Kernel<3, 3>> gives on a 32x32x1 image: valid padding.
using Head = Sequential<Input<30, 30, 32>, Reshape<32 * 32 * 32>, Dense<10, Softmax>>;

Head::output_shape scores;
