#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<32, ReLU>, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 20>> x(64);
  Tensor<int, Shape<dyn>> labels(64);
  x.fill(0.1f);
  for (int i = 0; i < 64; ++i) labels(i) = i % 10;
  History h = fit(net, x, labels, SparseCategoricalCrossentropy{}, Adam{}, {.epochs = 1, .verbose = 0});
  return h.epochs() == 1 ? 0 : 1;
}
