#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<32, 32, 3>, Rescaling<1, 255>, Conv2D<8, Kernel<3>, ReLU>, GlobalAveragePooling2D,
                       Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 32, 32, 3>> pixels;
  pixels.fill(128.0f);
  auto y = net(pixels);
  std::printf("%f\n", y(0, 0));
  float total = 0;
  for (int k = 0; k < 10; ++k) total += y(0, k);
  return total > 0.999f && total < 1.001f ? 0 : 1;  // softmax scores of pixels scaled to 0..1
}
