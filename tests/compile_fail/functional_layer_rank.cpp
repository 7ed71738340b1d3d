// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<0>, .*Conv2D<8, .*Kernel<3, 3>.*expected_rank<3>, .*but_got_shape<.*None, 28, 28>, .*fix_with_layer_before_it<.*Reshape<28, 28, 1>
// TITLE: A Conv2D in a functional model fed (28, 28) images without a channel axis
// SEED: -
// KERAS: ValueError: Input 0 of layer "conv2d" is incompatible with the layer: expected min_ndim=4, found ndim=3. Full shape received: (None, 28, 28)
// FIX: declare the channel axis, Input<28, 28, 1>, and feed expand_dims<-1>(x): a grey image has one channel.
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<28, 28>{};
constexpr auto features = Conv2D<8, Kernel<3, 3>, ReLU>{}(image);
constexpr auto scores = Dense<10, Softmax>{}(GlobalAveragePooling2D{}(features));
using Net = decltype(model(image, scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 28, 28>> x;
  auto y = net(x);
  std::printf("%f\n", y(0, 0));
}
