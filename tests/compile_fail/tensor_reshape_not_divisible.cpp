// EXPECT-MESSAGE: tshape: the target shape holds a different number of elements than the input
// EXPECT-ERROR: ELEMENT_COUNT_MISMATCH<.*in_reshape, .*target_shape<-1, 128>, .*element_count_not_divisible_by<128>, .*but_got_shape<30, 10>, .*with_element_count<300>
// TITLE: reshape<-1, 128> of data whose element count is not a multiple of 128
// SEED: 000
// KERAS: ValueError: cannot reshape array of size 300 into shape (128) (numpy, before the data reaches the model)
// FIX: the known extents must divide the element count: 300 elements give rows of 100, 75, 60, 50, 30, ... (reshape<-1, 100> gives (3, 100)), or the data is not what the model expects.
#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<30, 10>> data;
  auto rows = reshape<-1, 128>(data);
  (void)rows;
}
