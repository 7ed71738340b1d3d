#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<5, 1>, LSTM<64>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<100, 5>> x;  // 100 samples of 5 features
  auto y = net(expand_dims<-1>(x));
  return y.size() == 100 ? 0 : 1;
}
