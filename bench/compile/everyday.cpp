// Compile-time benchmark (e): an everyday 7-layer model (a Conv1D front, a bidirectional GRU, a dense
// head), run on one batch and trained one step.
#include <tshape/tshape.hpp>

#include "train_once.hpp"

using namespace tshape;

using Net = Sequential<Input<100, 8>, Conv1D<16, Kernel<5>, Padding::same, ReLU>, MaxPooling1D<Pool<2>>,
                       Bidirectional<GRU<32, ReturnSequences>>, GlobalAveragePooling1D, Dense<32, ReLU>,
                       Dropout<Rate<1, 5>>, Dense<4, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 100, 8>> x;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) x.data()[i] = static_cast<float>(i % 9) * 0.1f;
  Tensor<int, Shape<4>> y{0, 1, 2, 3};
  const auto p = net(x);
  const float loss = train_once(net, x, y);
  return p.data()[0] >= 0.0f && loss == loss ? 0 : 1;
}
