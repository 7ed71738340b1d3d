// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<1>, .*Reshape<0, 16>, .*extents_positive_or_one_minus_1<0, 16>
// TITLE: Reshape<0, 16>: a 0 written for the extent to infer
// SEED: -
// KERAS: ValueError: Exception encountered when calling layer "reshape": total size of new array must be unchanged
// FIX: the extent to infer is -1 (or dyn), as in Keras' Reshape((-1, 16)): Reshape<-1, 16>; every other extent is positive.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64>, Dense<128, ReLU>, Reshape<0, 16>, LSTM<8>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 64>> x;
  x.fill(0.25f);
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
