// EXPECT-MESSAGE: tshape: the loss target.s shape does not match the model.s output
// EXPECT-ERROR: LOSS_TARGET_MISMATCH<.*in_loss<.*CategoricalCrossentropy>, .*model_output_shape<32, 10>, .*loss_target_shape<32, 5>
// TITLE: One-hot labels of 5 classes against a model that outputs 10
// SEED: -
// KERAS: ValueError: Shapes (32, 5) and (32, 10) are incompatible
// FIX: the last Dense has one unit per class: Dense<5, Softmax> for 5 classes (or one-hot labels of 10 if there are 10).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, CategoricalCrossentropy{}, Adam{});
  Tensor<float, Shape<32, 20>> x;
  Tensor<float, Shape<32, 5>> one_hot;
  float l = trainer.step(x, one_hot);
  return l > 0.0f ? 0 : 1;
}
