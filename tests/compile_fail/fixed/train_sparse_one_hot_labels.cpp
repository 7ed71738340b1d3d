#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<32, ReLU>, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 20>> x(64);
  Tensor<float, Shape<dyn, 10>> one_hot(64);
  x.fill(0.1f);
  one_hot.fill(0.0f);
  for (int i = 0; i < 64; ++i) one_hot(i, i % 10) = 1.0f;
  History h = fit(net, x, one_hot, CategoricalCrossentropy{}, Adam{}, {.epochs = 1, .verbose = 0});
  return h.epochs() == 1 ? 0 : 1;
}
