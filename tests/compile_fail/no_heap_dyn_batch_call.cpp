// EXPECT-MESSAGE: tshape: TSHAPE_NO_HEAP is set and this call needs heap memory
// EXPECT-ERROR: NEEDS_HEAP<.*at_model_call, .*result_shape<.*None, 4>, .*fix_with_your_own_output_and_arena
// TITLE: A dyn batch called on a model built without a heap
// SEED: -
// KERAS: none (Keras allocates every result); TensorFlow Lite Micro fails at run time, in AllocateTensors()
// FIX: give the call its own output and arena: forward(x, y, arena) with a Net::arena<N> for the largest batch.
#define TSHAPE_NO_HEAP
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<4>>;
static Net net;

int main() {
  static float data[5 * 16];
  auto x = view_as<Shape<dyn, 16>>(data, {5, 16});  // a batch known only at run time
  auto y = net(x);                                  // its result would need the heap
  (void)y;
}
