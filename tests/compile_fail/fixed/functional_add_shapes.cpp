#include <cmath>
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<16, 16, 3>{};
constexpr auto stem = Conv2D<16, Kernel<3, 3>, Padding::same, ReLU>{}(image);
constexpr auto conv1 = Conv2D<16, Kernel<3, 3>, Padding::same, ReLU>{}(stem);
constexpr auto conv2 = Conv2D<16, Kernel<3, 3>, Padding::same>{}(conv1);  // as many filters as the shortcut
constexpr auto block = ReLU{}(Add{}(stem, conv2));
constexpr auto scores = Dense<10, Softmax>{}(GlobalAveragePooling2D{}(block));
using Net = decltype(model(image, scores));

// Or keep 32 filters and project the shortcut to 32 channels with a 1x1 convolution.
constexpr auto wide = Conv2D<32, Kernel<3, 3>, Padding::same>{}(conv1);
constexpr auto projected = Conv2D<32, Kernel<1, 1>>{}(stem);
constexpr auto wide_block = ReLU{}(Add{}(projected, wide));
using WideNet = decltype(model(image, Dense<10, Softmax>{}(GlobalAveragePooling2D{}(wide_block))));

int main() {
  auto net = make_model<Net>();
  auto wide_net = make_model<WideNet>();
  Tensor<float, Shape<2, 16, 16, 3>> x;
  for (int i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) / 7.0f;
  Tensor<float, Shape<2, 10>> y = net(x);
  Tensor<float, Shape<2, 10>> z = wide_net(x);
  std::printf("%f %f\n", y(0, 0), z(0, 0));
  // Softmax scores: each sample's sum to 1.
  for (int n = 0; n < 2; ++n) {
    float sum_y = 0, sum_z = 0;
    for (int k = 0; k < 10; ++k) sum_y += y(n, k), sum_z += z(n, k);
    if (std::fabs(sum_y - 1.0f) > 1e-5f || std::fabs(sum_z - 1.0f) > 1e-5f) return 1;
  }
  return 0;
}
