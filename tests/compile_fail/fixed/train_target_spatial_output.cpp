#include <tshape/tshape.hpp>
#include <cmath>
#include <cstdio>
using namespace tshape;

using Head = Sequential<Input<5, 5, 64>, Flatten, Dense<1, Sigmoid>>;

int main() {
  auto head = make_model<Head>();
  auto trainer = make_trainer(head, BinaryCrossentropy{}, Adam{});
  Tensor<float, Shape<32, 5, 5, 64>> features;
  Tensor<float, Shape<32, 1>> labels;
  float l = trainer.step(features, labels);
  std::printf("loss %f\n", l);
  return std::isfinite(l) ? 0 : 1;
}
