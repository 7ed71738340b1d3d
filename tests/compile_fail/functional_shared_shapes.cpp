// EXPECT-MESSAGE: tshape: a shared layer is applied to tensors of different shapes
// EXPECT-ERROR: SHARED_LAYER_MISMATCH<.*Shared<.*enc, .*Dense<8>
// TITLE: One shared Dense<8> encoder applied to (4,) and (6,) tensors
// SEED: -
// KERAS: ValueError: Input 0 of layer "enc" is incompatible with the layer: expected axis -1 of input shape to have value 4, but received input with shape (None, 6)
// FIX: a shared layer has one kernel, so feed it tensors of one shape: bring both to 4 features first (or use two layers, not one).
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

struct enc;
constexpr Shared<enc, Dense<8>> encoder{};
constexpr auto left = Input<4>{};
constexpr auto right = Input<6>{};
constexpr auto distance = Subtract{}(encoder(left), encoder(right));  // one kernel of (4, 8) cannot read 6 features
using Net = decltype(model(inputs(left, right), distance));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 4>> a;
  Tensor<float, Shape<2, 6>> b;
  auto d = net(a, b);
  std::printf("%f\n", d(0, 0));
}
