// Compile-time benchmark (a): a 50-layer Sequential CNN, 16 blocks of Conv2D / BatchNormalization /
// ReLU, then GlobalAveragePooling2D and a Dense head; one inference batch and one training step.
#include <tshape/tshape.hpp>

#include "train_once.hpp"

using namespace tshape;

using Conv = Conv2D<32, Kernel<3, 3>, Padding::same>;
using Net = Sequential<Input<32, 32, 32>,
                       Conv, BatchNormalization, ReLU, Conv, BatchNormalization, ReLU,  // blocks 1-2
                       Conv, BatchNormalization, ReLU, Conv, BatchNormalization, ReLU,  // 3-4
                       Conv, BatchNormalization, ReLU, Conv, BatchNormalization, ReLU,  // 5-6
                       Conv, BatchNormalization, ReLU, Conv, BatchNormalization, ReLU,  // 7-8
                       Conv, BatchNormalization, ReLU, Conv, BatchNormalization, ReLU,  // 9-10
                       Conv, BatchNormalization, ReLU, Conv, BatchNormalization, ReLU,  // 11-12
                       Conv, BatchNormalization, ReLU, Conv, BatchNormalization, ReLU,  // 13-14
                       Conv, BatchNormalization, ReLU, Conv, BatchNormalization, ReLU,  // 15-16
                       GlobalAveragePooling2D, Dense<10, Softmax>>;
static_assert(Net::param_count == 16 * (3 * 3 * 32 * 32 + 32 + 4 * 32) + 32 * 10 + 10);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 32, 32, 32>> x;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) x.data()[i] = static_cast<float>(i % 7) * 0.1f;
  Tensor<int, Shape<2>> y{3, 7};
  const auto p = net(x);
  const float loss = train_once(net, x, y);
  return p.data()[0] >= 0.0f && loss == loss ? 0 : 1;
}
