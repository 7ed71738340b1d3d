#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<28, 28, 1>, Conv2D<8, Kernel<3>, ReLU>, MaxPooling2D<>, Cropping2D<6>, Flatten, Dense<10>>;

int main() {
  static_assert(std::is_same_v<Net::output_shape, Shape<10>>);
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 28, 28, 1>> x;
  for (int i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) / 7.0f;
  auto y = net(x);
  return y.size() == 20 ? 0 : 1;
}
