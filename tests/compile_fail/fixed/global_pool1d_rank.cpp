#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<50, 8>, Conv1D<32, Kernel<3>, ReLU>, GlobalAveragePooling1D, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 50, 8>> x;
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
