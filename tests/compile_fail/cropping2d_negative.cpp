// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<0>, .*Cropping2D<-1>, .*cropping_one_two_or_four_values_not_negative<-1>
// TITLE: Cropping2D<-1>: a negative crop meant as padding
// SEED: -
// KERAS: (no check of the sign: cropping=-1 slices rows [-1:1], an empty map, while the layer's output shape claims two more rows and columns)
// FIX: cropping removes cells, so it is not negative; to add a border of zeros use ZeroPadding2D<1>.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<8, 8, 3>, Cropping2D<-1>, Conv2D<4, Kernel<3>, ReLU>, GlobalAveragePooling2D, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 8, 8, 3>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
