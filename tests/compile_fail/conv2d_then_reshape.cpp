// EXPECT-MESSAGE: tshape: the target shape holds a different number of elements than the input
// EXPECT-ERROR: ELEMENT_COUNT_MISMATCH<.*at_layer<1>, .*Reshape<32768>, .*expected_element_count<32768>, .*but_got_shape<.*None, 30, 30, 32>, .*with_element_count<28800>
// TITLE: Reshape to 32*32*32 right after a 'valid' 3x3 Conv2D of 32x32x1 images
// SEED: 001
// KERAS: ValueError: Exception encountered when calling layer "reshape": total size of new array must be unchanged, input_shape = [30, 30, 32], output_shape = [32768]
// FIX: Conv2D's default padding is 'valid': 32x32 becomes 30x30. Give the Conv2D Padding::same, or reshape to what it gives (Reshape<-1> or Flatten).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<32, 32, 1>, Conv2D<32, Kernel<3, 3>, ReLU>, Reshape<32 * 32 * 32>, Dense<10, Softmax>>;

Net::output_shape scores;
