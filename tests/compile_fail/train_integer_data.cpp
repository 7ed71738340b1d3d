// EXPECT-MESSAGE: tshape: the model computes in float; convert the data first with tshape::cast<float>\(x\)
// EXPECT-ERROR: DTYPE_MISMATCH<.*at_model_input, .*Input<28, 28>, .*expected_dtype<float>, .*but_got_dtype<int>, .*but_got_shape<32, 28, 28>
// TITLE: Integer pixels fed to a training step
// SEED: 003
// KERAS: no error: Keras converts int32 data to float32 silently (seed 003: "This might not throw an immediate error")
// FIX: convert the data once, where it enters, with cast<float>(x) (and scale it there too if the model expects [0, 1]).
#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<28, 28>, Flatten, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{});
  Tensor<int, Shape<32, 28, 28>> x;  // pixels 0..255 as int32
  Tensor<int, Shape<32>> y;
  float l = trainer.step(x, y);
  std::printf("loss %f\n", l);
}
