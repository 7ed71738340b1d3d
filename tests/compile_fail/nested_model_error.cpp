// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*Conv1D<8, .*Kernel<3>
// TITLE: A block with its own Input<64> whose Conv1D needs a channel axis, nested in another Sequential
// SEED: 000
// KERAS: ValueError: Input 0 of layer "conv1d" is incompatible with the layer: expected min_ndim=3, found ndim=2. Full shape received: (None, 64)
// FIX: the block reports its own mistake, once, whatever the model around it does: declare its Input<64, 1> and feed it a Reshape<64, 1>.
// MAX-LINES: 10
// MAX-LINES-CLANG: 15
#include <tshape/tshape.hpp>
using namespace tshape;

using Block = Sequential<Input<64>, Conv1D<8, Kernel<3>>, GlobalAveragePooling1D, Dense<4>>;
using Net = Sequential<Input<20>, Dense<64, ReLU>, Block>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 20>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 8 ? 0 : 1;
}
