// Compile-time benchmark (f): the everyday model of (e) as a ported Keras model is first used: its
// summary printed, its weights saved in Keras' names, one batch run. No training step.
#include <tshape/tshape.hpp>

using namespace tshape;

using Net = Sequential<Input<100, 8>, Conv1D<16, Kernel<5>, Padding::same, ReLU>, MaxPooling1D<Pool<2>>,
                       Bidirectional<GRU<32, ReturnSequences>>, GlobalAveragePooling1D, Dense<32, ReLU>,
                       Dropout<Rate<1, 5>>, Dense<4, Softmax>>;

int main() {
  auto net = make_model<Net>();
  print_summary<Net>();
  save_weights(net, "everyday.weights.npz");
  Tensor<float, Shape<4, 100, 8>> x;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) x.data()[i] = static_cast<float>(i % 9) * 0.1f;
  const auto p = net(x);
  return p.data()[0] >= 0.0f ? 0 : 1;
}
