#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Dense<5, Softmax>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, CategoricalCrossentropy{}, Adam{});
  Tensor<float, Shape<32, 20>> x;
  Tensor<float, Shape<32, 5>> one_hot;
  x.fill(0.1f);
  one_hot.fill(0.0f);
  for (int i = 0; i < 32; ++i) one_hot(i, i % 5) = 1.0f;
  float l = trainer.step(x, one_hot);
  return l > 0.0f ? 0 : 1;
}
