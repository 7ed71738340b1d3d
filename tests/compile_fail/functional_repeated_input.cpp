// EXPECT-MESSAGE: tshape: one Input is given to the model twice
// EXPECT-ERROR: INPUT_REPEATED<.*repeated_input<1, .*Input<16>
// TITLE: Two Inputs of one shape, without names: a siamese model whose two branches are one
// SEED: -
// KERAS: (no error: Keras tells its Inputs apart by object; in tshape a tensor is its type, and two Input<16> are one tensor)
// FIX: name the Inputs of one shape: Input<16>::named<"left">{} and Input<16>::named<"right">{} (Keras' Input(shape=(16,), name="left")).
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

struct encoder;
constexpr auto left = Input<16>{};
constexpr auto right = Input<16>{};  // the same type as left: the same tensor
constexpr Shared<encoder, Dense<8, ReLU>> encode;
constexpr auto distance = Subtract{}(encode(left), encode(right));
constexpr auto same = Dense<1, Sigmoid>{}(distance);
using Net = decltype(model(inputs(left, right), same));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 16>> a, b;
  auto y = net(a, b);
  std::printf("%f\n", y(0, 0));
}
