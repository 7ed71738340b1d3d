#include <tshape/tshape.hpp>
#include <iostream>
using namespace tshape;

constexpr auto image = Input<8, 8, 1>{};
constexpr auto stem = Conv2D<4, Kernel<3>, Padding::same, ReLU>{}(image);
constexpr auto block = Conv2D<4, Kernel<3>, Padding::same>{}(stem);
constexpr auto merged = ReLU{}(Add{}(stem, block));
constexpr auto scores = Dense<10, Softmax>{}(GlobalAveragePooling2D{}(merged));
using Net = decltype(model(image, scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<16, 8, 8, 1>> images;
  Tensor<int, Shape<16>> labels;
  for (int i = 0; i < images.size(); ++i) images.data()[i] = static_cast<float>(i % 7) / 7.0f;
  for (int i = 0; i < 16; ++i) labels(i) = i % 10;
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
  return y.size() == 160 && p.size() == 160 && yq.size() == 160 && yo.size() == 32 && loss > 0.0f && accuracy >= 0.0f &&
                 history.epochs() == 1
             ? 0
             : 1;
}
