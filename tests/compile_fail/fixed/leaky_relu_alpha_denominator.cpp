#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16, 16, 3>, Conv2D<16, Kernel<3>, LeakyReLU::alpha<1, 10>>, GlobalAveragePooling2D,
                       Dense<4, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 16, 16, 3>> x;
  x.fill(-1.0f);
  auto y = net(x);
  return y(0, 0) == y(0, 0) ? 0 : 1;  // finite: the slope is 0.1
}
