// EXPECT-MESSAGE: tshape: the data and the targets hold different numbers of samples
// EXPECT-ERROR: SAMPLE_COUNT_MISMATCH<.*in_training, .*data_samples<32>, .*target_samples<64>, .*but_got_shape<64, 1>
// TITLE: A training step on 32 samples with the labels of 64
// SEED: -
// KERAS: ValueError: Data cardinality is ambiguous: x sizes: 32, y sizes: 64. Make sure all arrays contain the same number of samples.
// FIX: take the data and the labels of the same samples: slice both with the same batch.
#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, BinaryCrossentropy{}, Adam{});
  Tensor<float, Shape<32, 20>> x;
  Tensor<float, Shape<64, 1>> y;
  float l = trainer.step(x, y);
  std::printf("loss %f\n", l);
}
