#include <tshape/tshape.hpp>
using namespace tshape;

// The Input first: Dense<64> then knows it takes 784 features, and its kernel is (784, 64).
using Net = Sequential<Input<784>, Dense<64, ReLU>, Dense<10>>;
static_assert(Net::param_count == 784 * 64 + 64 + 64 * 10 + 10);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 784>> x;
  x.fill(0.0f);
  auto y = net(x);  // zero input and zero biases: zero output
  for (int i = 0; i < y.size(); ++i)
    if (y[i] != 0.0f) return 1;
  return y.size() == 320 ? 0 : 1;
}
