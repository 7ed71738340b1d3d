// EXPECT-MESSAGE: tshape: a model.s list holds something that is not a layer
// EXPECT-ERROR: NOT_A_LAYER<.*at_layer<0>, .*Shared<.*encoder, .*UseBias<false> ?> ?>
// TITLE: Shared<encoder, UseBias<false>>: the shared layer is an option, not a layer
// SEED: -
// KERAS: (no counterpart: a Keras layer is shared by calling one object twice)
// FIX: the second argument of Shared is the layer, with its options inside: Shared<encoder, Dense<8, UseBias<false>>>.
#include <tshape/tshape.hpp>
using namespace tshape;

struct encoder;
constexpr Shared<encoder, UseBias<false>> encode{};
constexpr auto left = Input<4>::named<"left">{};
constexpr auto right = Input<4>::named<"right">{};
constexpr auto distance = Subtract{}(encode(left), encode(right));
using Net = decltype(model(inputs(left, right), distance));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 4>> a, b;
  a.fill(0.5f);
  b.fill(0.25f);
  auto y = net(a, b);
  return y.size() == 16 ? 0 : 1;
}
