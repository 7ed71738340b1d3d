// A small ResNet in Keras' functional style: a stem, a residual block with an identity shortcut, and
// one that halves the resolution with a 1x1 strided projection on its shortcut. The Keras code it
// mirrors, layer for layer:
//
//   x = keras.Input((16, 16, 3))
//   h = Conv2D(16, 3, padding="same", activation="relu")(x)
//   y = ReLU()(BatchNormalization()(Conv2D(16, 3, padding="same")(h)))
//   y = BatchNormalization()(Conv2D(16, 3, padding="same")(y))
//   h = ReLU()(Add()([h, y]))
//   y = ReLU()(BatchNormalization()(Conv2D(32, 3, strides=2, padding="same")(h)))
//   y = BatchNormalization()(Conv2D(32, 3, padding="same")(y))
//   h = ReLU()(Add()([Conv2D(32, 1, strides=2)(h), y]))
//   out = Dense(10, activation="softmax")(GlobalAveragePooling2D()(h))
#pragma once
#include <tshape/tshape.hpp>

namespace resnet {
using namespace tshape;

using Conv3x3 = Kernel<3, 3>;
constexpr auto image = Input<16, 16, 3>{};
constexpr auto stem = Conv2D<16, Conv3x3, Padding::same, ReLU>{}(image);

// Identity block: x + f(x).
constexpr auto b1_conv1 = Conv2D<16, Conv3x3, Padding::same>{}(stem);
constexpr auto b1_bn1 = BatchNormalization{}(b1_conv1);
constexpr auto b1_conv2 = Conv2D<16, Conv3x3, Padding::same>{}(ReLU{}(b1_bn1));
constexpr auto b1_bn2 = BatchNormalization{}(b1_conv2);
constexpr auto block1 = ReLU{}(Add{}(stem, b1_bn2));

// Projection block: a strided 1x1 convolution brings the shortcut to the new shape.
constexpr auto b2_conv1 = Conv2D<32, Conv3x3, Strides<2, 2>, Padding::same>{}(block1);
constexpr auto b2_bn1 = BatchNormalization{}(b2_conv1);
constexpr auto b2_conv2 = Conv2D<32, Conv3x3, Padding::same>{}(ReLU{}(b2_bn1));
constexpr auto b2_bn2 = BatchNormalization{}(b2_conv2);
constexpr auto shortcut = Conv2D<32, Kernel<1, 1>, Strides<2, 2>>{}(block1);
constexpr auto block2 = ReLU{}(Add{}(shortcut, b2_bn2));

constexpr auto scores = Dense<10, Softmax>{}(GlobalAveragePooling2D{}(block2));
using Net = decltype(model(image, scores));

}  // namespace resnet
