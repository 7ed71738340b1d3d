// EXPECT-MESSAGE: tshape: a model.s list holds something that is not a layer
// EXPECT-ERROR: NOT_A_LAYER<.*at_layer<1>, .*UseBias<false> ?>
// TITLE: Sequential<..., Dense<64>, UseBias<false>, ...>: a '>' closed the layer before its option
// SEED: -
// KERAS: (no counterpart: in Keras the option is a keyword argument inside the layer's parentheses)
// FIX: the option goes inside its layer's angle brackets: Dense<64, UseBias<false>>.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64>, UseBias<false>, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<8, 20>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 80 ? 0 : 1;
}
