// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<1>, .*BatchNormalization::with<.*Momentum<1, 1> ?>, .*momentum_in_0_1<.*Momentum<1, 1> ?>
// TITLE: BatchNormalization with a momentum of 1
// SEED: -
// KERAS: no error: momentum=1.0 is taken, and the moving statistics never move from their initial 0 and 1, so inference normalizes with them
// FIX: a momentum below 1: Keras' 0.99 by default, or Momentum<9, 10> for PyTorch's momentum=0.1 (PyTorch counts the other way).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<4, 4, 3>, Conv2D<8, Kernel<3, 3>>, BatchNormalization::with<Momentum<1, 1>>, ReLU>;

Net::output_shape y;
