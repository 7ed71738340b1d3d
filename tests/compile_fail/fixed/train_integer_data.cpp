#include <tshape/tshape.hpp>
#include <cmath>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<28, 28>, Flatten, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{});
  Tensor<int, Shape<32, 28, 28>> x;  // pixels 0..255 as int32
  Tensor<int, Shape<32>> y;
  float l = trainer.step(cast<float>(x), y);
  std::printf("loss %f\n", l);
  return std::isfinite(l) ? 0 : 1;
}
