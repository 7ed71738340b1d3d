// EXPECT-MESSAGE: tshape: the loss target.s shape does not match the model.s output
// EXPECT-ERROR: LOSS_TARGET_MISMATCH<.*in_loss<.*SparseCategoricalCrossentropy>, .*model_output_shape<.*None, 10>, .*loss_target_shape<.*None, 10>, .*expected_class_indices<.*loss_target_shape<.*None> ?>, .*fix_with_loss<.*CategoricalCrossentropy>
// TITLE: One-hot rows for SparseCategoricalCrossentropy, which reads class indices
// SEED: -
// KERAS: ValueError: Shape mismatch: The shape of labels (received (320,)) should equal the shape of logits except for the last dimension (received (32, 10)).
// FIX: one-hot float rows go to CategoricalCrossentropy; SparseCategoricalCrossentropy takes one integer class index per sample, shape (N,).
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
  History h = fit(net, x, one_hot, SparseCategoricalCrossentropy{}, Adam{}, {.epochs = 1, .verbose = 0});
  return h.epochs() == 1 ? 0 : 1;
}
