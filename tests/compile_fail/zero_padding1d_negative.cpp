// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<0>, .*ZeroPadding1D<-2>, .*padding_one_or_two_values_not_negative<-2>
// TITLE: ZeroPadding1D<-2>: a negative padding meant as a crop
// SEED: -
// KERAS: ValueError: The `padding` argument must be a tuple of 2 integers. Received: (-2, -2) including {-2} that does not satisfy the requirement `>= 0`.
// FIX: padding adds zeros, so it is not negative: to cut 2 steps off each end use Cropping1D<2>; ZeroPadding1D takes <p> or <left, right>.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<32, 4>, ZeroPadding1D<-2>, Conv1D<8, Kernel<3>, ReLU>, GlobalAveragePooling1D, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 32, 4>> x;
  x.fill(1.0f);
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
