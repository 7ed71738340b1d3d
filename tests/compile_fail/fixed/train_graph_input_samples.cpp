#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<8, 8, 1>{};
constexpr auto meta = Input<5>{};
constexpr auto joint = Concatenate<>{}(Flatten{}(Conv2D<4, Kernel<3>, Padding::same, ReLU>{}(image)), Dense<8, ReLU>{}(meta));
constexpr auto alert = Dense<1, Sigmoid>{}(joint);
constexpr auto kind = Dense<3, Softmax>{}(joint);
using Net = decltype(model(inputs(image, meta), outputs(alert, kind)));

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(*net, losses{BinaryCrossentropy{}, SparseCategoricalCrossentropy{}}, Adam{});
  Tensor<float, Shape<16, 8, 8, 1>> images;
  Tensor<float, Shape<16, 5>> metadata;  // the metadata of the same 16 images
  Tensor<float, Shape<16, 1>> alerts;
  Tensor<int, Shape<16>> kinds;
  images.fill(0.5f);
  metadata.fill(1.0f);
  alerts.fill(1.0f);
  kinds.fill(2);
  float l = trainer.step(std::tie(images, metadata), std::tie(alerts, kinds));
  std::printf("loss %f\n", l);
  return l > 0.0f ? 0 : 1;
}
