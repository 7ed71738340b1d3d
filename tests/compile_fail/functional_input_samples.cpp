// EXPECT-MESSAGE: tshape: the model's inputs hold different numbers of samples
// EXPECT-ERROR: INPUT_SAMPLES_MISMATCH<.*at_model_call, .*input_samples<0, 32>, .*input_samples<1, 16>
// TITLE: A model of two Inputs given 32 images and the metadata of 16
// SEED: -
// KERAS: ValueError: Data cardinality is ambiguous: x sizes: 32, 16. Make sure all arrays contain the same number of samples.
// FIX: every input holds one row per sample, in the same order: give the metadata of the same 32 images.
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<8, 8, 1>{};
constexpr auto meta = Input<5>{};
constexpr auto joint = Concatenate<>{}(Flatten{}(Conv2D<4, Kernel<3>, Padding::same, ReLU>{}(image)), Dense<8, ReLU>{}(meta));
constexpr auto scores = Dense<3, Softmax>{}(joint);
using Net = decltype(model(inputs(image, meta), scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 8, 8, 1>> images;
  Tensor<float, Shape<16, 5>> metadata;
  auto y = net(images, metadata);
  std::printf("%f\n", y(0, 0));
}
