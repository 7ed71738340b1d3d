// EXPECT-MESSAGE: tshape: a merge layer.s inputs have shapes it cannot combine
// EXPECT-ERROR: MERGE_SHAPE_MISMATCH<.*at_layer<3>, .*Add, .*input_shape<.*None, 16, 16, 16>, .*input_shape<.*None, 16, 16, 32>, .*inputs_from<.*Conv2D<16, .*Conv2D<32,
// TITLE: A residual Add of a (16, 16, 16) shortcut and a (16, 16, 32) block: its last Conv2D has 32 filters
// SEED: -
// KERAS: ValueError: Inputs have incompatible shapes. Received shapes (16, 16, 16) and (16, 16, 32)
// FIX: make the block end with as many filters as the shortcut carries (16), or bring the shortcut to 32 channels with a 1x1 projection, Conv2D<32, Kernel<1, 1>>.
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<16, 16, 3>{};
constexpr auto stem = Conv2D<16, Kernel<3, 3>, Padding::same, ReLU>{}(image);
constexpr auto conv1 = Conv2D<16, Kernel<3, 3>, Padding::same, ReLU>{}(stem);
constexpr auto conv2 = Conv2D<32, Kernel<3, 3>, Padding::same>{}(conv1);  // 32 filters: the shortcut has 16
constexpr auto block = ReLU{}(Add{}(stem, conv2));
constexpr auto scores = Dense<10, Softmax>{}(GlobalAveragePooling2D{}(block));
using Net = decltype(model(image, scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 16, 16, 3>> x;
  auto y = net(x);
  std::printf("%f\n", y(0, 0));
}
