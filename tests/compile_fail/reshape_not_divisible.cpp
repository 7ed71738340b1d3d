// EXPECT-MESSAGE: tshape: the target shape holds a different number of elements than the input
// EXPECT-ERROR: ELEMENT_COUNT_MISMATCH<.*at_layer<1>, .*Reshape<-1, 128>, .*element_count_not_divisible_by<128>, .*but_got_shape<.*None, 20>, .*with_element_count<20>
// TITLE: Reshape with -1 whose other extents do not divide the element count
// SEED: 000
// KERAS: ValueError: total size of new array must be unchanged, input_shape = [20], output_shape = [-1, 128] (when the model is built)
// FIX: the other extents must divide the sample's element count: 20 features give rows of 20, 10, 5, 4, 2 or 1.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<20, ReLU>, Reshape<-1, 128>>;

Net::output_shape rows;
