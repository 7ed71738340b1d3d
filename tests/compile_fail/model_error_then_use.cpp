// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*Conv2D<8, .*Kernel<3>, .*ReLU>, .*expected_rank<3>, .*but_got_shape<.*None, 28, 28>, .*fix_with_layer_before_it<.*Reshape<28, 28, 1>
// TITLE: One mistake in the model, in a program that goes on to call, summarise, plot, save and train it
// SEED: 001
// KERAS: ValueError: Input 0 of layer "conv2d" is incompatible with the layer: expected min_ndim=4, found ndim=3. Full shape received: (None, 28, 28)
// FIX: declare the channel axis, Input<28, 28, 1>: everything after it then compiles as it is, the data (N, 28, 28, 1) included.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
#include <iostream>
using namespace tshape;

using Net = Sequential<Input<28, 28>, Conv2D<8, Kernel<3>, ReLU>, MaxPooling2D<>, Flatten, Dense<10, Softmax>>;
float top(const Tensor<float, Shape<dyn, 10>>& scores) { return scores(0, 0); }

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<16, 28, 28, 1>> images;
  Tensor<int, Shape<16>> labels;
  auto y = net(images);
  print_summary<Net>();
  std::cout << to_dot<Net>() << weights(*net).size() << layer<0>(*net).kernel()(0, 0, 0, 0) << '\n';
  auto trainer = make_trainer(*net, SparseCategoricalCrossentropy{}, Adam{});
  History history = fit(trainer, images, labels, {.epochs = 1, .batch_size = 8, .verbose = 0});
  auto [loss, accuracy] = evaluate(trainer, images, labels, metrics<SparseCategoricalAccuracy>);
  auto p = predict(*net, images);
  Tensor<float, Shape<dyn, 28, 28, 1>> some(4);
  Tensor<float, Shape<dyn, 10>> scores = net(some);
  using S = decltype(y)::shape;
  return static_cast<int>(y(0, 0) + p(0, 0) + top(scores) + loss + accuracy) + static_cast<int>(history.epochs()) + S::rank;
}
