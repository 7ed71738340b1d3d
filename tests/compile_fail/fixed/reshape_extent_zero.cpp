#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64>, Dense<128, ReLU>, Reshape<-1, 16>, LSTM<8>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 64>> x;
  x.fill(0.25f);
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
