#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<100, 5>, LSTM<64>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<100, 5>> data;
  auto y = net(expand_dims<0>(data));  // (1, 100, 5)
  return y.size() == 1 ? 0 : 1;
}
