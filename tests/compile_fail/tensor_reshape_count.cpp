// EXPECT-MESSAGE: tshape: the target shape holds a different number of elements than the input
// EXPECT-ERROR: ELEMENT_COUNT_MISMATCH<.*in_reshape, .*target_shape<16, 64>, .*expected_element_count<1024>, .*but_got_shape<32, 10>, .*with_element_count<320>
// TITLE: reshape of a tensor to a shape with another element count
// SEED: 000
// KERAS: ValueError: cannot reshape array of size 320 into shape (16,64)
// FIX: the target must hold the 320 elements there are; let -1 infer one extent: reshape<-1, 64> gives (5, 64).
#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<32, 10>> data;
  auto rows = reshape<16, 64>(data);
  (void)rows;
}
