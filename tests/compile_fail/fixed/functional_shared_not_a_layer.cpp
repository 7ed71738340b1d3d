#include <tshape/tshape.hpp>
using namespace tshape;

// The shared layer is a Dense<8> without a bias: one kernel of (4, 8) for both branches.
struct encoder;
constexpr Shared<encoder, Dense<8, UseBias<false>>> encode{};
constexpr auto left = Input<4>::named<"left">{};
constexpr auto right = Input<4>::named<"right">{};
constexpr auto distance = Subtract{}(encode(left), encode(right));
using Net = decltype(model(inputs(left, right), distance));
static_assert(Net::param_count == 4 * 8);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 4>> a, b;
  a.fill(0.5f);
  b.fill(0.25f);
  auto y = net(a, b);
  return y.size() == 16 ? 0 : 1;
}
