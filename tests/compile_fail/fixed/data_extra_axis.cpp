#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 20, 1>> x;
  auto y = net(squeeze<-1>(x));
  return y.size() == 32 ? 0 : 1;
}
