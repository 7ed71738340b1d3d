#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Residual<Dense<32, ReLU>, Dense<32>>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 16>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 4 ? 0 : 1;
}
