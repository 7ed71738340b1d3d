// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<1>, .*UpSampling1D<0>, .*size<0>
// TITLE: UpSampling1D<0>: each step repeated no times
// SEED: -
// KERAS: (no error when the model is built: the output has 0 steps, and the layers after it compute on nothing)
// FIX: size is how many times each step repeats, at least 1: UpSampling1D<2> (Keras' default) doubles the steps.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16, 4>, Conv1D<8, Kernel<3>, Padding::same, ReLU>, UpSampling1D<0>, Conv1D<4, Kernel<3>, Padding::same>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 16, 4>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 2 * 32 * 4 ? 0 : 1;
}
