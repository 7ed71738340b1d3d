// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<1>, .*Residual< ?>, .*takes_one_or_more_layers
// TITLE: Residual<> with no layers inside: x + f(x) needs an f
// SEED: -
// KERAS: (no counterpart: in Keras the shortcut is written out, x = layers.Add()([x, f(x)]))
// FIX: put the block's layers inside Residual's brackets: Residual<Dense<64, ReLU>, Dense<64>>.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Residual<>, Dense<4>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 20>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 8 ? 0 : 1;
}
