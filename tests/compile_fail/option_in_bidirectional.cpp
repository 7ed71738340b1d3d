// EXPECT-MESSAGE: tshape: the layer does not take this option
// EXPECT-ERROR: UNKNOWN_OPTION<.*at_layer<1>, .*Bidirectional<.*GRU<32, .*Padding::same>.*not_an_option_of_it<.*Padding::same>.*it_takes<.*ReturnSequences, .*GoBackwards, .*an_activation, .*RecurrentActivation<.*Sigmoid>, .*UseBias<false>, .*ResetAfter<false>
// TITLE: A GRU inside Bidirectional given a convolution's padding
// SEED: -
// KERAS: TypeError: ('Keyword argument not understood:', 'padding')
// FIX: a GRU reads every timestep and has no window, so no padding: Bidirectional<GRU<32>>. For the same number of steps in and out, give it ReturnSequences.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<50, 8>, Conv1D<16, Kernel<3>, Padding::same, ReLU>, Bidirectional<GRU<32, Padding::same>>,
                       Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 50, 8>> x;
  auto y = net(x);
  std::printf("%f\n", y(0, 0));
}
