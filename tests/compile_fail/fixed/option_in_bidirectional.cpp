#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<50, 8>, Conv1D<16, Kernel<3>, Padding::same, ReLU>, Bidirectional<GRU<32>>,
                       Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 50, 8>> x;
  x.fill(0.1f);
  auto y = net(x);
  std::printf("%f\n", y(0, 0));
  return y(0, 0) > 0.0f && y(0, 0) < 1.0f ? 0 : 1;
}
