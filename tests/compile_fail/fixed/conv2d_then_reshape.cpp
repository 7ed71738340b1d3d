#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<32, 32, 1>, Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>, Reshape<32 * 32 * 32>,
                       Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 32, 32, 1>> x;
  auto scores = net(x);
  return scores.size() == 20 ? 0 : 1;
}
