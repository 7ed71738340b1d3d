#include <tshape/tshape.hpp>
#include <cmath>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<784>, Dense<128, ReLU>, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{});
  Tensor<float, Shape<32, 784>> x;
  Tensor<float, Shape<32>> y;  // class indices read from a float32 array
  float l = trainer.step(x, cast<int>(y));
  std::printf("loss %f\n", l);
  return std::isfinite(l) ? 0 : 1;
}
