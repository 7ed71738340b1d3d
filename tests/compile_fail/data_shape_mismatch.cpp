// EXPECT-MESSAGE: tshape: the input.s shape does not match what the layer expects
// EXPECT-ERROR: SHAPE_MISMATCH<.*at_model_input, .*Input<128>, .*expected_input_shape<.*None, 128>, .*but_got_shape<32, 20>
// TITLE: Data with 20 features fed to a generator declared for 128
// SEED: 000
// KERAS: ValueError: Input 0 of layer "generator" is incompatible with the layer: expected shape=(None, 128), found shape=(32, 20)
// FIX: make the data what the model declares: here, draw the noise with 128 features.
#include <tshape/tshape.hpp>
using namespace tshape;

using Generator = Sequential<Input<128>, Dense<256, ReLU>, Dense<784, Sigmoid>>;

int main() {
  auto generator = make_model<Generator>();
  Tensor<float, Shape<32, 20>> noise;  // 32 samples of 20 features
  auto images = generator(noise);
  (void)images;
}
