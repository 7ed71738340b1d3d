// EXPECT-MESSAGE: tshape: the model's inputs hold different numbers of samples
// EXPECT-ERROR: INPUT_SAMPLES_MISMATCH<.*in_training, .*input_samples<0, 16>, .*input_samples<1, 8>
// TITLE: A training step on two inputs of different batches
// SEED: -
// KERAS: ValueError: Data cardinality is ambiguous: x sizes: 16, 8 y sizes: 16, 16
// FIX: each input and each target holds one row per sample of the batch: the metadata of the same 16 images.
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
  Tensor<float, Shape<8, 5>> metadata;
  Tensor<float, Shape<16, 1>> alerts;
  Tensor<int, Shape<16>> kinds;
  float l = trainer.step(std::tie(images, metadata), std::tie(alerts, kinds));
  return l > 0.0f ? 0 : 1;
}
