#include <tshape/tshape.hpp>
#include <cmath>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, BinaryCrossentropy{}, Adam{});
  Tensor<float, Shape<32, 20>> x;
  Tensor<float, Shape<32, 1>> y;
  float l = trainer.step(x, y);
  std::printf("loss %f\n", l);
  return std::isfinite(l) ? 0 : 1;
}
