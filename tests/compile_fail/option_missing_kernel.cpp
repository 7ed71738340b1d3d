// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<0>, .*Conv2D<32>, .*needs_option<.*Kernel<>
// TITLE: A Conv2D without its kernel size
// SEED: -
// KERAS: TypeError: __init__() missing 1 required positional argument: 'kernel_size'
// FIX: give the window: Conv2D<32, Kernel<3, 3>> (Kernel<3> is 3x3 too), as Keras' Conv2D(32, 3).
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<28, 28, 1>, Conv2D<32>, Flatten, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 28, 28, 1>> image;
  auto y = net(image);
  return y(0, 0) > 0.5f ? 1 : 0;
}
