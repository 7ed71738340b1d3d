// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<1>, .*Dropout<.*Rate<50, 1> ?>, .*rate_in_0_1<.*Rate<50, 1> ?>
// TITLE: Dropout<Rate<50>>: a rate written as a percentage
// SEED: -
// KERAS: ValueError: Invalid value 50 received for `rate`, expected a value between 0 and 1.
// FIX: a rate is a fraction in [0, 1): Dropout<Rate<1, 2>> drops half, as Keras' Dropout(0.5).
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Dropout<Rate<50>>, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 20>> x(8);
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 8 ? 0 : 1;
}
