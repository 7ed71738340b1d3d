#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<28, 28>, Flatten, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<int, Shape<dyn, 28, 28>> x_train(1000);  // pixels 0..255 as int32
  auto y = net(cast<float>(x_train));
  return y.extent(0) == 1000 && y.extent(1) == 10 ? 0 : 1;
}
