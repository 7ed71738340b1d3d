#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 16>, TimeDistributed<Dense<8, ReLU>>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 10, 16>> x;  // 4 sequences of 10 timesteps of 16 features
  auto y = net(x);
  return y.size() == 4 * 10 ? 0 : 1;
}
