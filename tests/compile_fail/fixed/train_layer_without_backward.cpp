#include <tshape/tshape.hpp>
#include <cmath>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<4, 10>, Flatten, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, MeanSquaredError{}, SGD{});
  Tensor<float, Shape<32, 10, 4>> x;
  Tensor<float, Shape<32, 4, 10>> x_permuted;  // Permute<2, 1> once, on the data
  for (int n = 0; n < 32; ++n)
    for (int t = 0; t < 10; ++t)
      for (int c = 0; c < 4; ++c) x_permuted(n, c, t) = x(n, t, c);
  Tensor<float, Shape<32, 1>> y;
  float l = trainer.step(x_permuted, y);
  std::printf("loss %f\n", l);
  return std::isfinite(l) ? 0 : 1;
}
