#include <tshape/tshape.hpp>
using namespace tshape;

// Attention pooling: one score per timestep, softmax over the 10 timesteps (axis 1 of (None, 10, 1)).
using Net = Sequential<Input<10, 16>, Dense<1>, Softmax::axis<1>, Flatten>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<3, 10, 16>> x;
  x.fill(0.5f);
  auto weights = net(x);
  float sum = 0.0f;
  for (int t = 0; t < 10; ++t) sum += weights(0, t);
  return weights.size() == 3 * 10 && sum > 0.999f && sum < 1.001f ? 0 : 1;
}
