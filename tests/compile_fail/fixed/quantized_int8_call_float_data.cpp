#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<4>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 16>> x(100);
  const auto q = quantize(*net, x);
  auto y = q.int8(q.quantize_input(x));
  return y.extent(0) == 100 && y.extent(1) == 4 ? 0 : 1;
}
