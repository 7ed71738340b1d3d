#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<32, 32, 3>, Conv2D<16, Kernel<3>, Strides<2>, Padding::same, ReLU6>,
                       DepthwiseConv2D<Kernel<3>, DepthMultiplier<1>, Padding::same, ReLU6>, Conv2D<24, Kernel<1>>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 32, 32, 3>> x;
  x.fill(0.25f);
  auto y = net(x);
  return y.size() == 2 * 16 * 16 * 24 ? 0 : 1;
}
