// Compile-time benchmark (c): a ResNet-20-sized functional graph on 32x32x3 images: a stem, three
// stages of three residual blocks (16, 32, 64 filters; stride-2 projections where a stage starts),
// 21 Conv2D with BatchNormalization and ReLU, 9 Add merges; one inference batch and one training step.
#include <tshape/tshape.hpp>

#include "train_once.hpp"

using namespace tshape;

using K3 = Kernel<3, 3>;

// x + f(x).
template <int Filters, class X>
constexpr auto identity_block(X x) {
  const auto y = ReLU{}(BatchNormalization{}(Conv2D<Filters, K3, Padding::same>{}(x)));
  const auto z = BatchNormalization{}(Conv2D<Filters, K3, Padding::same>{}(y));
  return ReLU{}(Add{}(x, z));
}
// Halves the resolution: a strided 1x1 convolution brings the shortcut to the new shape.
template <int Filters, class X>
constexpr auto projection_block(X x) {
  const auto y = ReLU{}(BatchNormalization{}(Conv2D<Filters, K3, Strides<2, 2>, Padding::same>{}(x)));
  const auto z = BatchNormalization{}(Conv2D<Filters, K3, Padding::same>{}(y));
  const auto shortcut = Conv2D<Filters, Kernel<1, 1>, Strides<2, 2>>{}(x);
  return ReLU{}(Add{}(shortcut, z));
}

constexpr auto image = Input<32, 32, 3>{};
constexpr auto stem = ReLU{}(BatchNormalization{}(Conv2D<16, K3, Padding::same>{}(image)));
constexpr auto s1 = identity_block<16>(identity_block<16>(identity_block<16>(stem)));
constexpr auto s2 = identity_block<32>(identity_block<32>(projection_block<32>(s1)));
constexpr auto s3 = identity_block<64>(identity_block<64>(projection_block<64>(s2)));
constexpr auto scores = Dense<10, Softmax>{}(GlobalAveragePooling2D{}(s3));
using Net = decltype(model(image, scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 32, 32, 3>> x;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) x.data()[i] = static_cast<float>(i % 7) * 0.1f;
  Tensor<int, Shape<2>> y{3, 7};
  const auto p = net(x);
  const float loss = train_once(net, x, y);
  return p.data()[0] >= 0.0f && loss == loss ? 0 : 1;
}
