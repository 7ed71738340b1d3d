#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<784>, Dense<128, ReLU>, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 784>> images;
  images.fill(0.0f);
  auto probabilities = net(images);
  return probabilities(0, 3) > 0.0f && probabilities(0, 3) < 1.0f ? 0 : 1;
}
