#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<50, 8, 2>, Reshape<50, 16>, GRU<8>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto stream = make_stream(net);
  Tensor<float, Shape<8, 2>> frame;
  frame.fill(0.25f);
  auto y = stream(frame);
  return y.size() == 1 ? 0 : 1;
}
