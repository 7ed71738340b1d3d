#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 8, 3>, Reshape<10, 24>, GRU<32>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 10, 8, 3>> x;
  auto y = net(x);
  return y.size() == 4 ? 0 : 1;
}
