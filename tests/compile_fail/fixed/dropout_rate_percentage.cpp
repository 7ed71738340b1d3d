#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Dropout<Rate<1, 2>>, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 20>> x(8);
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 8 ? 0 : 1;
}
