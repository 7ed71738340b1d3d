#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20, 8>, GRU<16, ReturnSequences>, Bidirectional<GRU<16>>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 20, 8>> x;
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
