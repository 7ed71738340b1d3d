#include <cmath>
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<8, 8, 1>{};
constexpr auto meta = Input<5>{};
constexpr auto joint = Concatenate<>{}(Flatten{}(Conv2D<4, Kernel<3>, Padding::same, ReLU>{}(image)), Dense<8, ReLU>{}(meta));
constexpr auto scores = Dense<3, Softmax>{}(joint);
using Net = decltype(model(inputs(image, meta), scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 8, 8, 1>> images;
  Tensor<float, Shape<32, 5>> metadata;  // one row per image
  images.fill(0.5f);
  metadata.fill(1.0f);
  Tensor<float, Shape<32, 3>> y = net(images, metadata);
  std::printf("%f\n", y(0, 0));
  return std::fabs(y(31, 0) + y(31, 1) + y(31, 2) - 1.0f) < 1e-5f ? 0 : 1;
}
