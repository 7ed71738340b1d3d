// EXPECT-MESSAGE: tshape: the layer.s options cannot apply to its input
// EXPECT-ERROR: INVALID_OPTION<.*in_reshape, .*target_shape<-1, -1>, .*more_than_one_inferred_axis, .*but_got_shape<32, 10>
// TITLE: reshape of a tensor with two extents to infer
// SEED: -
// KERAS: ValueError: can only specify one unknown dimension (numpy)
// FIX: give every extent but one: reshape<-1, 5> gives (64, 5).
#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<32, 10>> data;
  auto rows = reshape<-1, -1>(data);
  (void)rows;
}
