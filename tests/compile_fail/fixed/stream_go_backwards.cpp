#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<100, 8>, GRU<32>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto stream = make_stream(net);
  Tensor<float, Shape<8>> frame;
  auto y = stream(frame);
  return y.size() == 1 ? 0 : 1;
}
