// EXPECT-MESSAGE: tshape: the layer does not take this option
// EXPECT-ERROR: UNKNOWN_OPTION<.*at_layer<1>, .*Dense<64, .*Kernel<3, 3>.*not_an_option_of_it<.*Kernel<3, 3>.*it_takes<.*an_activation, .*UseBias<false>
// TITLE: A Dense layer given a Conv2D's kernel size, in a program that goes on to use the result
// SEED: -
// KERAS: TypeError: ('Keyword argument not understood:', 'kernel_size')
// FIX: Dense takes an activation and UseBias<false>; its kernel is (inputs, units), inferred from the input. A window belongs to Conv2D<64, Kernel<3, 3>>.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<64, Kernel<3, 3>>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<8, 16>> x;
  auto y = net(x);
  std::printf("%zu outputs, first %f, kernel %f\n", static_cast<std::size_t>(y.size()), y(0, 0),
              layer<1>(*net).kernel()(0, 0));
}
