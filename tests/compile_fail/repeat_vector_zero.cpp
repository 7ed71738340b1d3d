// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<1>, .*RepeatVector<0>, .*repeats<0>
// TITLE: RepeatVector<0>: a decoder of no timesteps
// SEED: -
// KERAS: (no error when the model is built: the output has 0 timesteps, and the decoder after it runs over nothing)
// FIX: repeat the encoding once per output timestep, a positive count: RepeatVector<10> for a decoder of 10 steps.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 3>, LSTM<16>, RepeatVector<0>, LSTM<16, ReturnSequences>, TimeDistributed<Dense<3>>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 10, 3>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 2 * 10 * 3 ? 0 : 1;
}
