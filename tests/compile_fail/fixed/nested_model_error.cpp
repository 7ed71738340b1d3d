#include <tshape/tshape.hpp>
using namespace tshape;

// The block declares the channel axis its Conv1D reads, and the model reshapes its 64 features to it.
using Block = Sequential<Input<64, 1>, Conv1D<8, Kernel<3>>, GlobalAveragePooling1D, Dense<4>>;
using Net = Sequential<Input<20>, Dense<64, ReLU>, Reshape<64, 1>, Block>;
static_assert(Net::param_count == 20 * 64 + 64 + 3 * 8 + 8 + 8 * 4 + 4);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 20>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 8 ? 0 : 1;
}
