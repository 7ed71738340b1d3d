// EXPECT-MESSAGE: tshape: Concatenate.s inputs must have the same shape except along the concatenation axis
// EXPECT-ERROR: CONCATENATE_MISMATCH<.*Concatenate<-1>, .*input_shape<.*None, 8, 8, 8>, .*input_shape<.*None, 7, 7, 16>
// TITLE: A U-Net-like skip connection meets its deeper path one pixel off (8x8 and 7x7) in Concatenate
// SEED: -
// KERAS: ValueError: A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=[(None, 8, 8, 8), (None, 7, 7, 16)]
// FIX: keep the deeper path's maps the size of the skip connection's: Padding::same on its convolution (16x16 stays 16x16, pooled to 8x8).
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<16, 16, 1>{};
constexpr auto skip = MaxPooling2D<>{}(Conv2D<8, Kernel<3, 3>, Padding::same, ReLU>{}(image));  // (8, 8, 8)
constexpr auto deep = MaxPooling2D<>{}(Conv2D<16, Kernel<3, 3>, ReLU>{}(image));  // 'valid': 14x14, then (7, 7, 16)
constexpr auto joined = Concatenate<>{}(skip, deep);
constexpr auto mask = Conv2D<1, Kernel<1, 1>, Sigmoid>{}(joined);
using Net = decltype(model(image, mask));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 16, 16, 1>> x;
  auto y = net(x);
  std::printf("%f\n", y(0, 0, 0, 0));
}
