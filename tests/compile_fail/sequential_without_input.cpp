// EXPECT-MESSAGE: tshape: make_model needs a model whose first argument is Input
// EXPECT-ERROR: make_model.*Sequential<.*Dense<64, .*ReLU>, .*Dense<10>
// TITLE: A Sequential without its Input, as Keras allows
// SEED: -
// KERAS: (no error: Keras builds the model at its first call, from the data it is given)
// FIX: declare the input's shape first, Sequential<Input<784>, Dense<64, ReLU>, Dense<10>>: every layer's type follows from it.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Dense<64, ReLU>, Dense<10>>;  // the shape comes with the data, as in Keras

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 784>> x;
  x.fill(0.0f);
  auto y = net(x);
  return y.size() == 320 ? 0 : 1;
}
