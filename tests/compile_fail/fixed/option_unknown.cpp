#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<64>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<8, 16>> x;
  x.fill(0.5f);
  auto y = net(x);
  std::printf("%zu outputs, first %f, kernel %f\n", static_cast<std::size_t>(y.size()), y(0, 0),
              layer<1>(*net).kernel()(0, 0));
  return y.size() == 8 ? 0 : 1;
}
