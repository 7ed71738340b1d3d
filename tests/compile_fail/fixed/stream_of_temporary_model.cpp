#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64, 1>, LSTM<32, ReturnSequences>, Dense<1>>;

int main() {
  auto net = make_model<Net>();  // the model outlives the stream that runs on it
  auto stream = make_stream(net);
  Tensor<float, Shape<1>> frame;
  frame.fill(0.5f);
  auto y = stream(frame);
  return y.size() == 1 ? 0 : 1;
}
