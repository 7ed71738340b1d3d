#include <tshape/tshape.hpp>
#include <iostream>
using namespace tshape;

using Net = Sequential<Input<28, 28, 1>, Conv2D<8, Kernel<3>, ReLU>, MaxPooling2D<>, Flatten, Dense<10, Softmax>>;
float top(const Tensor<float, Shape<dyn, 10>>& scores) { return scores(0, 0); }

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<16, 28, 28, 1>> images;
  Tensor<int, Shape<16>> labels;
  images.fill(0.5f);
  for (int i = 0; i < 16; ++i) labels(i) = i % 10;
  auto y = net(images);
  print_summary<Net>();
  std::cout << to_dot<Net>() << weights(*net).size() << layer<0>(*net).kernel()(0, 0, 0, 0) << '\n';
  auto trainer = make_trainer(*net, SparseCategoricalCrossentropy{}, Adam{});
  History history = fit(trainer, images, labels, {.epochs = 1, .batch_size = 8, .verbose = 0});
  auto [loss, accuracy] = evaluate(trainer, images, labels, metrics<SparseCategoricalAccuracy>);
  auto p = predict(*net, images);
  Tensor<float, Shape<dyn, 28, 28, 1>> some(4);
  some.fill(0.5f);
  Tensor<float, Shape<dyn, 10>> scores = net(some);
  using S = decltype(y)::shape;
  return y.size() == 160 && p.size() == 160 && top(scores) > 0.0f && S::rank == 2 && loss > 0.0f && accuracy >= 0.0f &&
                 history.epochs() == 1
             ? 0
             : 1;
}
