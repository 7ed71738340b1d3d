// EXPECT-MESSAGE: tshape: the model computes in float; convert the data first with tshape::cast<float>\(x\)
// EXPECT-ERROR: DTYPE_MISMATCH<.*at_model_input, .*Input<28, 28>, .*expected_dtype<float>, .*but_got_dtype<int>, .*but_got_shape<.*None, 28, 28>
// TITLE: Integer pixels fed to a float model
// SEED: 003
// KERAS: no error: Keras converts int32 data to float32 silently (seed 003: "This might not throw an immediate error")
// FIX: convert the data once, where it enters, with cast<float>(x).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<28, 28>, Flatten, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<int, Shape<dyn, 28, 28>> x_train(1000);  // pixels 0..255 as int32
  auto y = net(x_train);
  (void)y;
}
