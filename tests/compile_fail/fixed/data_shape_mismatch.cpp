#include <tshape/tshape.hpp>
using namespace tshape;

using Generator = Sequential<Input<128>, Dense<256, ReLU>, Dense<784, Sigmoid>>;

int main() {
  auto generator = make_model<Generator>();
  Tensor<float, Shape<32, 128>> noise;  // 32 samples of 128 features, as declared
  Tensor<float, Shape<32, 784>> images = generator(noise);
  return images.size() == 32 * 784 ? 0 : 1;
}
