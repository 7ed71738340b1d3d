// EXPECT-MESSAGE: tshape: the layer is given two options of one kind
// EXPECT-ERROR: REPEATED_OPTION<.*at_layer<1>, .*Dense<10, .*ReLU, .*Softmax>, .*given_together<.*ReLU, .*Softmax>
// TITLE: A Dense layer given two activations
// SEED: -
// KERAS: SyntaxError: keyword argument repeated: activation
// FIX: one activation per layer: Dense<10, Softmax> for class probabilities (or a ReLU layer, then a Dense<10, Softmax>).
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<784>, Dense<128, ReLU>, Dense<10, ReLU, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 784>> images;
  auto probabilities = net(images);
  return probabilities(0, 3) > 0.5f ? 1 : 0;
}
