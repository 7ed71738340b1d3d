#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<5, 5, 8>, Conv2D<8, Kernel<1>>, MaxPooling2D<Pool<2, 2>>, MaxPooling2D<Pool<3, 3>, Padding::same>,
                       Dense<1>>;

int main() {
  static_assert(std::is_same_v<Net::output_shape, Shape<1, 1, 1>>);
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 5, 5, 8>> x;
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
