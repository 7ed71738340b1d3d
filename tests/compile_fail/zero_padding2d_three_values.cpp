// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<0>, .*ZeroPadding2D<1, 2, 1>, .*padding_one_two_or_four_values_not_negative<1, 2, 1>
// TITLE: ZeroPadding2D<1, 2, 1>: Keras' ((1, 2), (1, 1)) written with a number left out
// SEED: -
// KERAS: ValueError: `padding` should have two elements. Received: padding=(1, 2, 1).
// FIX: one value for every side, two (rows, columns) or four in Keras' order ((top, bottom), (left, right)): ZeroPadding2D<1, 2, 1, 1>.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<8, 8, 3>, ZeroPadding2D<1, 2, 1>, Conv2D<4, Kernel<3>, ReLU>, GlobalAveragePooling2D, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 8, 8, 3>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
