// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<0>, .*Conv2D<16, .*Kernel<3>, .*LeakyReLUAlpha<1, 0> ?>, .*alpha_denominator_must_be_positive<1, 0>
// TITLE: LeakyReLU::alpha<1, 0>: a slope whose denominator is 0
// SEED: -
// KERAS: (no such spelling: Keras' alpha is a float, and 1 / 0 stops Python before the layer exists)
// FIX: alpha is the fraction Num / Den with Den > 0: LeakyReLU::alpha<1, 10> is Keras' LeakyReLU(alpha=0.1), fused here or as a layer of its own.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16, 16, 3>, Conv2D<16, Kernel<3>, LeakyReLU::alpha<1, 0>>, GlobalAveragePooling2D,
                       Dense<4, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 16, 16, 3>> x;
  x.fill(-1.0f);
  auto y = net(x);
  return y(0, 0) == y(0, 0) ? 0 : 1;  // NaN with a slope of 1 / 0
}
