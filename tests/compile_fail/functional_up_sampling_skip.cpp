// EXPECT-MESSAGE: tshape: Concatenate.s inputs must have the same shape except along the concatenation axis
// EXPECT-ERROR: CONCATENATE_MISMATCH<.*at_layer<4>, .*Concatenate<-1>, .*input_shape<.*None, 15, 15, 8>, .*input_shape<.*None, 14, 14, 16>, .*inputs_from<.*Conv2D<8, .*UpSampling2D<>
// TITLE: A U-Net decoder's up-sampled 14x14 map meets its 15x15 skip connection in Concatenate
// SEED: -
// KERAS: ValueError: A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=[(None, 15, 15, 8), (None, 14, 14, 16)]
// FIX: pooling 15x15 dropped the odd row and column (7x7), so up-sampling gives 14x14: pad it back with ZeroPadding2D<0, 1, 0, 1> (or crop the skip with Cropping2D<0, 1, 0, 1>, or take even-sized images).
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<15, 15, 3>{};
constexpr auto skip = Conv2D<8, Kernel<3>, Padding::same, ReLU>{}(image);                         // (15, 15, 8)
constexpr auto bottom = Conv2D<16, Kernel<3>, Padding::same, ReLU>{}(MaxPooling2D<>{}(skip));      // (7, 7, 16)
constexpr auto up = UpSampling2D<>{}(bottom);                                                      // (14, 14, 16)
constexpr auto joined = Concatenate<>{}(skip, up);
constexpr auto mask = Conv2D<1, Kernel<1>, Sigmoid>{}(joined);
using Net = decltype(model(image, mask));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 15, 15, 3>> x;
  auto y = net(x);
  std::printf("%f\n", y(0, 0, 0, 0));
}
