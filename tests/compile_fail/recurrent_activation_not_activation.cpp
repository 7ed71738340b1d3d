// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*LSTM<32, .*RecurrentActivation<.*Dropout<.*takes_an_activation_such_as<.*Sigmoid>
// TITLE: LSTM<32, RecurrentActivation<Dropout<...>>>: Keras' recurrent_dropout written as an activation
// SEED: -
// KERAS: (no error: Keras takes any callable as recurrent_activation, and a Dropout layer passes its input through at inference, so the gates run without their sigmoid)
// FIX: RecurrentActivation takes an activation for the gates (Sigmoid by default, HardSigmoid, Tanh); Keras' recurrent_dropout has no tshape option, so regularize with a Dropout layer after the LSTM instead.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<50, 8>, LSTM<32, RecurrentActivation<Dropout<Rate<1, 5>>>>, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 50, 8>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 4 ? 0 : 1;
}
