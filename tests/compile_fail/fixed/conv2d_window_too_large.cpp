#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<12, 12, 1>, Conv2D<16, Kernel<5, 5>, ReLU>, MaxPooling2D<>,
                       Conv2D<16, Kernel<5, 5>, Padding::same, ReLU>, GlobalAveragePooling2D, Dense<1>>;

int main() {
  static_assert(std::is_same_v<Net::shape_at<3>, Shape<4, 4, 16>>);
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 12, 12, 1>> x;
  auto y = net(x);
  return y.size() == 1 ? 0 : 1;
}
