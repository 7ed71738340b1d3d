// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*Dot<.*Normalize<true> ?>, .*first_argument_is_Axes<.*Normalize<true> ?>
// TITLE: Dot<Normalize<true>>: cosine similarity without the axes Dot needs
// SEED: -
// KERAS: TypeError: Dot.__init__() missing 1 required positional argument: 'axes'
// FIX: Dot's first argument is its axes, counted as Keras counts them: Dot<Axes<1>, Normalize<true>> is Keras' Dot(axes=1, normalize=True).
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto left = Input<32>::named<"left">{};
constexpr auto right = Input<32>::named<"right">{};
constexpr auto similarity = Dot<Normalize<true>>{}(left, right);  // which axes?
using Net = decltype(model(inputs(left, right), similarity));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 32>> a, b;
  auto s = net(a, b);
  std::printf("%f\n", s(0, 0));
}
