#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<8, 8, 3>, ZeroPadding2D<1, 2, 1, 1>, Conv2D<4, Kernel<3>, ReLU>, GlobalAveragePooling2D, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 8, 8, 3>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
