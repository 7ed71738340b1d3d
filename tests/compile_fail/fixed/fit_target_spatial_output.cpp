#include <tshape/tshape.hpp>
#include <cmath>
#include <cstdio>
using namespace tshape;

// The feature map reduced to one value per channel before the last Dense.
using Net = Sequential<Input<20, 20, 1>, Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<>,
                       Conv2D<64, Kernel<3, 3>, Padding::same, ReLU>,
                       MaxPooling2D<>, GlobalAveragePooling2D, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 20, 20, 1>> images(64);
  Tensor<float, Shape<dyn, 1>> labels(64);
  for (int i = 0; i < 64; ++i) {
    labels(i, 0) = static_cast<float>(i % 2);
    for (int r = 0; r < 20; ++r)
      for (int c = 0; c < 20; ++c) images(i, r, c, 0) = i % 2 ? (r < 10 ? 1.0f : 0.0f) : (c < 10 ? 1.0f : 0.0f);
  }
  auto history = fit(net, images, labels, BinaryCrossentropy{}, Adam{}, {.epochs = 2, .batch_size = 32, .verbose = 0});
  std::printf("loss %f -> %f\n", history["loss"].front(), history["loss"].back());
  return std::isfinite(history["loss"].back()) ? 0 : 1;
}
