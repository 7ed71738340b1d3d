// EXPECT-MESSAGE: tshape: the input.s shape does not match what the layer expects
// EXPECT-ERROR: SHAPE_MISMATCH<.*in_view_as, .*expected_input_shape<32, 128>, .*but_got_shape<.*None, 20>
// TITLE: A dyn-batch view seen as a static shape with other features
// SEED: 000
// KERAS: ValueError: Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of input shape to have value 128, but received input with shape (32, 20)
// FIX: the static extents must agree; only dyn extents are checked at run time.
#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<dyn, 20>> batch(32);
  auto fixed = view_as<Shape<32, 128>>(batch);
  (void)fixed;
}
