// EXPECT-MESSAGE: tshape: TSHAPE_NO_HEAP is set and this call needs heap memory
// EXPECT-ERROR: NEEDS_HEAP<.*at_model_call, .*arena_bytes_per_sample<128>, .*fix_with_your_own_arena
// TITLE: A dyn batch run into the caller's output, without an arena, on a model built without a heap
// SEED: -
// KERAS: none (Keras allocates its working memory); TensorFlow Lite Micro fails at run time, in AllocateTensors()
// FIX: pass an arena for the largest batch: forward(x, y, arena) with a Net::arena<N>.
#define TSHAPE_NO_HEAP
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<4>>;
static Net net;

int main() {
  static float data[5 * 16], out[5 * 4];
  auto x = view_as<Shape<dyn, 16>>(data, {5, 16});
  auto y = view_as<Shape<dyn, 4>>(out, {5, 4});
  net.forward(x, y);  // the arena of a batch known only at run time would come from the heap
}
