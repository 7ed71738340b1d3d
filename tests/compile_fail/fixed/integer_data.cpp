#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<int, Shape<32, 20>> counts;
  auto y = net(cast<float>(counts));
  return y.size() == 32 ? 0 : 1;
}
