#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 8, 3>, Dense<3>, Permute<2, 1, 3>>;
static_assert(std::is_same_v<Net::output_shape, Shape<8, 10, 3>>);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 10, 8, 3>> x;
  auto y = net(x);
  return y.extent(1) == 8 ? 0 : 1;
}
