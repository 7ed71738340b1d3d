#include <cmath>
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

struct encoder;
constexpr auto left = Input<16>::named<"left">{};
constexpr auto right = Input<16>::named<"right">{};  // two tensors of one shape
constexpr Shared<encoder, Dense<8, ReLU>> encode;
constexpr auto distance = Subtract{}(encode(left), encode(right));
constexpr auto same = Dense<1, Sigmoid>{}(distance);
using Net = decltype(model(inputs(left, right), same));

int main() {
  auto net = make_model<Net>(3);
  Tensor<float, Shape<2, 16>> a, b;
  for (int i = 0; i < 32; ++i) {
    a.data()[i] = 0.1f * static_cast<float>(i % 7);
    b.data()[i] = -0.05f * static_cast<float>(i % 5);
  }
  auto y = net(a, b);
  auto equal = net(a, a);  // one sample against itself: the branches cancel, sigmoid(bias) = 0.5
  std::printf("%f %f\n", y(0, 0), equal(0, 0));
  return std::fabs(equal(0, 0) - 0.5f) < 1e-6f && std::fabs(y(0, 0) - 0.5f) > 1e-4f ? 0 : 1;
}
