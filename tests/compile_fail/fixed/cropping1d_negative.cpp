#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<32, 4>, ZeroPadding1D<1, 0>, Cropping1D<0, 3>, Conv1D<8, Kernel<3>, ReLU>, GlobalAveragePooling1D, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 32, 4>> x;
  x.fill(1.0f);
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
