// EXPECT-MESSAGE: tshape: the loss takes targets of another element type: integer class indices for a sparse loss, floats for the others
// EXPECT-ERROR: TARGET_DTYPE_MISMATCH<.*in_loss<.*CategoricalCrossentropy>, .*expected_dtype<float>, .*but_got_dtype<int>, .*fix_with_loss<.*SparseCategoricalCrossentropy>
// TITLE: Class indices for CategoricalCrossentropy, which reads one-hot rows
// SEED: -
// KERAS: ValueError: Shapes (None, 1) and (None, 10) are incompatible
// FIX: integer class indices go to SparseCategoricalCrossentropy as they are; CategoricalCrossentropy takes one-hot float rows of the output's width.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<32, ReLU>, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 20>> x(64);
  Tensor<int, Shape<dyn>> labels(64);
  x.fill(0.1f);
  for (int i = 0; i < 64; ++i) labels(i) = i % 10;
  History h = fit(net, x, labels, CategoricalCrossentropy{}, Adam{}, {.epochs = 1, .verbose = 0});
  return h.epochs() == 1 ? 0 : 1;
}
