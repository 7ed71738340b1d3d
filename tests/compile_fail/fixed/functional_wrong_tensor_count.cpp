#include <cmath>
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
  Tensor<float, Shape<2, 6>> e;
  x.fill(0.25f);
  e.fill(1.0f);
  Tensor<float, Shape<2, 3>> y = net(x, e);  // one tensor per Input
  std::printf("%f\n", y(0, 0));
  for (int n = 0; n < 2; ++n)  // softmax scores sum to 1
    if (std::fabs(y(n, 0) + y(n, 1) + y(n, 2) - 1.0f) > 1e-5f) return 1;
  return 0;
}
