#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<50, 3>, Conv1D<8, Kernel<3>, Padding::causal, ReLU>, GRU<16>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto stream = make_stream(net);
  Tensor<float, Shape<3>> frame{0.1f, 0.2f, 0.3f};
  auto y = stream(frame);
  return y.size() == 1 ? 0 : 1;
}
