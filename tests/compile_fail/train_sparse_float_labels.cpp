// EXPECT-MESSAGE: tshape: the loss takes targets of another element type: integer class indices for a sparse loss
// EXPECT-ERROR: TARGET_DTYPE_MISMATCH<.*in_loss<.*SparseCategoricalCrossentropy>, .*expected_dtype<int>, .*but_got_dtype<float>, .*fix_with_cast<int>
// TITLE: Float labels for SparseCategoricalCrossentropy
// SEED: -
// KERAS: no error: Keras casts the labels to int64, so a label computed as 2.9999 silently becomes class 2
// FIX: keep class indices as integers: convert float labels once with cast<int>(y), which checks that each one is a whole number.
#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<784>, Dense<128, ReLU>, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{});
  Tensor<float, Shape<32, 784>> x;
  Tensor<float, Shape<32>> y;  // class indices read from a float32 array
  float l = trainer.step(x, y);
  std::printf("loss %f\n", l);
}
