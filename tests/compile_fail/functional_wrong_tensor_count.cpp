// EXPECT-MESSAGE: tshape: the model is called with a different number of tensors than it has Inputs
// EXPECT-ERROR: WRONG_TENSOR_COUNT<.*at_model_call, .*model_inputs<2>, .*but_called_with<1>
// TITLE: A model of two Inputs called with one tensor
// SEED: -
// KERAS: ValueError: Layer "model" expects 2 input(s), but it received 1 input tensors.
// FIX: call the model with one tensor per Input, in the order model(inputs(...)) lists them: net(x, e).
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto features = Input<4>{};
constexpr auto extra = Input<6>{};
constexpr auto joint = Concatenate<>{}(Dense<8, ReLU>{}(features), Dense<8, ReLU>{}(extra));
constexpr auto scores = Dense<3, Softmax>{}(joint);
using Net = decltype(model(inputs(features, extra), scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 4>> x;
  auto y = net(x);  // the (2, 6) tensor for extra is missing
  std::printf("%f\n", y(0, 0));
}
