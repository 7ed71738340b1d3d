#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<100, 8>, GRU<16>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 100, 8>> x;
  x.fill(0.25f);
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
