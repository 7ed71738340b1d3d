#include <tshape/tshape.hpp>
#include <cmath>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<10, 10, 1>, Flatten, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, MeanSquaredError{}, SGD{});
  Tensor<float, Shape<32, 8, 8, 1>> x;
  Tensor<float, Shape<32, 10, 10, 1>> x_padded;  // ZeroPadding2D<> once, on the data
  x_padded.fill(0.0f);
  for (int n = 0; n < 32; ++n)
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c) x_padded(n, r + 1, c + 1, 0) = x(n, r, c, 0);
  Tensor<float, Shape<32, 1>> y;
  float l = trainer.step(x_padded, y);
  std::printf("loss %f\n", l);
  return std::isfinite(l) ? 0 : 1;
}
