#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16, 4>, Conv1D<8, Kernel<3>, Padding::same, ReLU>, UpSampling1D<2>, Conv1D<4, Kernel<3>, Padding::same>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 16, 4>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 2 * 32 * 4 ? 0 : 1;
}
