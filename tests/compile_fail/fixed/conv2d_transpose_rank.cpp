#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<7, 7, 1>, Conv2DTranspose<8, Kernel<3>, Strides<2>, Padding::same, ReLU>, Conv2D<1, Kernel<1>>>;

int main() {
  static_assert(std::is_same_v<Net::output_shape, Shape<14, 14, 1>>);
  auto net = make_model<Net>();
  Tensor<float, Shape<3, 7, 7, 1>> x;
  for (int i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 4) / 4.0f;
  auto y = net(x);
  return y.size() == 3 * 14 * 14 ? 0 : 1;
}
