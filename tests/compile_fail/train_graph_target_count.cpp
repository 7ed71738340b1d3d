// EXPECT-MESSAGE: tshape: a training step needs one tensor per Input, one target per output
// EXPECT-ERROR: WRONG_TENSOR_COUNT<.*in_training, .*model_outputs<2>, .*but_given_targets<1>
// TITLE: Training a model of two outputs with the targets of one
// SEED: -
// KERAS: ValueError: Layer model expects 2 target(s), but it received 1 target(s)
// FIX: one target per output, in the model's order: trainer.step(std::tie(image, meta), std::tie(alerts, kinds)), with losses{...} for a loss per output.
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
  auto trainer = make_trainer(*net, SparseCategoricalCrossentropy{}, Adam{});
  Tensor<float, Shape<16, 8, 8, 1>> images;
  Tensor<float, Shape<16, 5>> metadata;
  Tensor<int, Shape<16>> kinds;
  float l = trainer.step(std::tie(images, metadata), std::tie(kinds));
  return l > 0.0f ? 0 : 1;
}
