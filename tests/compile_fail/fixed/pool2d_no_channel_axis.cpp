#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64, 64, 1>, MaxPooling2D<Pool<2, 2>>, Conv2D<8, Kernel<3, 3>, ReLU>, GlobalMaxPooling2D, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 64, 64>> x(3);
  auto y = net(expand_dims<-1>(x));
  return y.extent(0) == 3 ? 0 : 1;
}
