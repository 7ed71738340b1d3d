#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<100, 1>, Conv1D<16, Kernel<3>, Padding::causal, ReLU>, GRU<32>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto stream = make_stream(net);
  Tensor<float, Shape<1>> frame{0.5f};
  auto y = stream(frame);  // every frame answers: the causal window starts full of the padding's zeros
  float out[1];
  const bool ready = stream.step(frame.data(), out);
  stream.reset_state();
  return ready && y.size() == 1 ? 0 : 1;
}
