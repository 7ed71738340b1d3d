#include <tshape/tshape.hpp>
using namespace tshape;

// The block inside Residual's brackets; its output has the input's 64 features, so x + f(x) adds.
using Net = Sequential<Input<20>, Dense<64, ReLU>, Residual<Dense<64, ReLU>, Dense<64>>, Dense<4>>;
static_assert(Net::param_count == 20 * 64 + 64 + 2 * (64 * 64 + 64) + 64 * 4 + 4);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 20>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 8 ? 0 : 1;
}
