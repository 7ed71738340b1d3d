// EXPECT-MESSAGE: tshape: TSHAPE_NO_HEAP is set and this call needs heap memory
// EXPECT-ERROR: NEEDS_HEAP<.*at_model_call, .*result_shape<.*None, 3>, .*fix_with_your_own_output_and_arena
// TITLE: A dyn batch called on a functional model built without a heap
// SEED: -
// KERAS: none (Keras allocates every result); TensorFlow Lite Micro fails at run time, in AllocateTensors()
// FIX: give the call its own output and arena: forward(x, y, arena) with a Net::arena<N> for the largest batch (several Inputs or outputs: forward({x0, x1}, {y0, y1}, arena) on N samples).
#define TSHAPE_NO_HEAP
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto features = Input<8>{};
constexpr auto hidden = Dense<16, ReLU>{}(features);
constexpr auto scores = Dense<3>{}(Add{}(hidden, Dense<16>{}(hidden)));
using Net = decltype(model(features, scores));
static Net net;

int main() {
  static float data[5 * 8];
  auto x = view_as<Shape<dyn, 8>>(data, {5, 8});  // a batch known only at run time
  auto y = net(x);                                // its result would need the heap
  (void)y;
}
