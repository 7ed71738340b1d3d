#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 2>, Conv1D<16, Kernel<3>, Padding::same, ReLU>, Cropping1D<4, 4>, Flatten, Dense<1>>;

int main() {
  static_assert(std::is_same_v<Net::output_shape, Shape<1>>);  // 10 steps, 2 left after the cropping
  auto net = make_model<Net>();
  Tensor<float, Shape<3, 10, 2>> x;
  for (int i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 6) / 6.0f;
  auto y = net(x);
  return y.size() == 3 ? 0 : 1;
}
