#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<10>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 20>> x;
  Tensor<float, Shape<32, 10>> y;
  net->forward(x, y);
  return y(31, 9) == 0.0f ? 0 : 1;
}
