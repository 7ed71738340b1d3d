// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<0>, .*Rescaling<0.*scale_is_zero_write_the_fraction_as_Rescaling_Num_Den
// TITLE: Rescaling<1/255>: C++ divides the integers, and the scale is 0
// SEED: -
// KERAS: (no error: Keras' 1/255 is a float, 0.0039...)
// FIX: write the scale as a fraction, numerator then denominator: Rescaling<1, 255> is Keras' Rescaling(1./255), and Rescaling<2, 255, Offset<-1>> its Rescaling(1./127.5, offset=-1).
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<32, 32, 3>, Rescaling<1 / 255>, Conv2D<8, Kernel<3>, ReLU>, GlobalAveragePooling2D,
                       Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 32, 32, 3>> pixels;
  pixels.fill(128.0f);
  auto y = net(pixels);
  std::printf("%f\n", y(0, 0));
}
