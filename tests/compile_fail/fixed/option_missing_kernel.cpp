#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<28, 28, 1>, Conv2D<32, Kernel<3>>, Flatten, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 28, 28, 1>> image;
  image.fill(0.5f);
  auto y = net(image);
  return y(0, 0) > 0.0f && y(0, 0) < 1.0f ? 0 : 1;
}
