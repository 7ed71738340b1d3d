// EXPECT-MESSAGE: tshape: a merge layer.s inputs have shapes it cannot combine
// EXPECT-ERROR: MERGE_SHAPE_MISMATCH<.*at_layer<2>, .*Add, .*input_shape<.*None, 8, 8, 4>, .*input_shape<.*None, 8, 8, 8>, .*inputs_from<.*Conv2D<4, .*Conv2D<8,
// TITLE: One mistake in a functional model, in a program that goes on to call, summarise, plot, train and quantize it, and to use it as a layer
// SEED: -
// KERAS: ValueError: Inputs have incompatible shapes. Received shapes (8, 8, 4) and (8, 8, 8)
// FIX: give the block's Conv2D as many filters as the shortcut carries (4): everything after it then compiles as it is.
#include <tshape/tshape.hpp>
#include <iostream>
using namespace tshape;

constexpr auto image = Input<8, 8, 1>{};
constexpr auto stem = Conv2D<4, Kernel<3>, Padding::same, ReLU>{}(image);
constexpr auto block = Conv2D<8, Kernel<3>, Padding::same>{}(stem);  // 8 filters: the shortcut has 4
constexpr auto merged = ReLU{}(Add{}(stem, block));
constexpr auto scores = Dense<10, Softmax>{}(GlobalAveragePooling2D{}(merged));
using Net = decltype(model(image, scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<16, 8, 8, 1>> images;
  Tensor<int, Shape<16>> labels;
  auto y = net(images);
  print_summary<Net>();
  std::cout << to_dot<Net>() << weights(*net).size() << layer<0>(*net).kernel()(0, 0, 0, 0)
            << layer(*net, stem).bias()(0) << Net::param_count << '\n';
  auto trainer = make_trainer(*net, SparseCategoricalCrossentropy{}, Adam{});
  History history = fit(trainer, images, labels, {.epochs = 1, .batch_size = 8, .verbose = 0});
  auto [loss, accuracy] = evaluate(trainer, images, labels, metrics<SparseCategoricalAccuracy>);
  auto p = predict(*net, images);
  auto q = quantize(*net, images);
  auto yq = q(images);
  auto outer = make_model<Sequential<Input<8, 8, 1>, Net, Dense<2>>>();  // the model as a layer
  auto yo = (*outer)(images);
  return static_cast<int>(y(0, 0) + p(0, 0) + yq(0, 0) + yo(0, 0) + loss + accuracy) + static_cast<int>(history.epochs());
}
