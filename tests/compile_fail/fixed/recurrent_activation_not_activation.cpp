#include <cmath>
#include <tshape/tshape.hpp>
using namespace tshape;

// The gates keep Keras' default activation; the Dropout regularizes the LSTM's output in training.
using Net = Sequential<Input<50, 8>, LSTM<32>, Dropout<Rate<1, 5>>, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 50, 8>> x;
  x.fill(0.5f);
  auto y = net(x);  // inference: the Dropout passes its input through
  for (int i = 0; i < 4; ++i)
    if (!(y(i, 0) > 0.0f && y(i, 0) < 1.0f) || y(i, 0) != y(0, 0)) return 1;
  return y.size() == 4 ? 0 : 1;
}
