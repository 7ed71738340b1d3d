// EXPECT-MESSAGE: tshape: TSHAPE_NO_HEAP is set and this call needs heap memory
// EXPECT-ERROR: NEEDS_HEAP<.*at_model_call, .*arena_bytes<16384>, .*stack_arena_bytes<4096>, .*fix_with_your_own_arena
// TITLE: A static batch whose arena is larger than the stack allows, on a model built without a heap
// SEED: -
// KERAS: none; TensorFlow Lite Micro fails at run time: "Failed to resize buffer" from AllocateTensors()
// FIX: keep the arena yourself: static Net::arena<8> scratch; then forward(x, y, scratch).
#define TSHAPE_NO_HEAP
#define TSHAPE_STACK_ARENA_BYTES 4096
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64>, Dense<256, ReLU>, Dense<256, ReLU>, Dense<4>>;
static_assert(Net::arena_bytes(8) == 16384);
static Net net;

int main() {
  Tensor<float, Shape<8, 64>> x;
  auto y = net(x);  // 16 KiB of activations, where the stack may hold 4 KiB
  (void)y;
}
