#include <tshape/tshape.hpp>
using namespace tshape;

// UseBias<false> inside Dense's brackets: the first Dense has a kernel only.
using Net = Sequential<Input<20>, Dense<64, UseBias<false>>, Dense<10, Softmax>>;
static_assert(Net::param_count == 20 * 64 + 64 * 10 + 10);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<8, 20>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 80 ? 0 : 1;
}
