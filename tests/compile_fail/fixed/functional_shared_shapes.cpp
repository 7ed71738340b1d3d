#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

struct enc;
constexpr Shared<enc, Dense<8>> encoder{};
constexpr auto left = Input<4>{};
constexpr auto right = Input<6>{};
// The right side is brought to 4 features first, so the shared kernel (4, 8) reads both.
constexpr auto distance = Subtract{}(encoder(left), encoder(Dense<4>{}(right)));
using Net = decltype(model(inputs(left, right), distance));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 4>> a;
  Tensor<float, Shape<2, 6>> b;
  a.fill(0.0f);
  b.fill(0.0f);
  Tensor<float, Shape<2, 8>> d = net(a, b);
  std::printf("%f\n", d(0, 0));
  // Zero inputs through the same weights (biases start at zero) give equal codes: their difference is 0.
  for (int i = 0; i < d.size(); ++i)
    if (d[i] != 0.0f) return 1;
  return 0;
}
