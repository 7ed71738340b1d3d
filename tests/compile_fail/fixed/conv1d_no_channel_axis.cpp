#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<100, 1>, Conv1D<16, Kernel<5>, ReLU>, MaxPooling1D<>, GlobalAveragePooling1D, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 100>> signals;
  auto y = net(expand_dims<-1>(signals));
  return y.size() == 4 ? 0 : 1;
}
