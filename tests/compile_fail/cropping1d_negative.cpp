// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<0>, .*Cropping1D<-1, 3>, .*cropping_one_or_two_values_not_negative<-1, 3>
// TITLE: Cropping1D<-1, 3>: a negative crop meant as padding
// SEED: -
// KERAS: ValueError: The `cropping` argument must be a tuple of 2 integers. Received: (-1, 3) including {-1} that does not satisfy the requirement `>= 0`.
// FIX: cropping removes steps, so it is not negative: to add a step of zeros at the start use ZeroPadding1D<1, 0>, then Cropping1D<0, 3>.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<32, 4>, Cropping1D<-1, 3>, Conv1D<8, Kernel<3>, ReLU>, GlobalAveragePooling1D, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 32, 4>> x;
  x.fill(1.0f);
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
