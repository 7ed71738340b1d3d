// A MobileNetV2-style image classifier sized for a microcontroller: 32 x 32 RGB images in, the
// probabilities of ten classes out, 17,962 parameters (70 KiB of floats). A stem convolution
// halves the resolution, five inverted residual blocks follow (1x1 expansion, 3x3 depthwise, 1x1
// linear projection, each convolution followed by BatchNormalization, the first two by ReLU6), then
// a 1x1 convolution, GlobalAveragePooling2D and a softmax Dense, as keras.applications.MobileNetV2
// does at width 1/4 on a small input. The Keras code it mirrors, block for block:
//
//   def inverted_residual(x, expansion, filters, stride):
//       y = x
//       if expansion != 1:
//           y = ReLU(6.0)(BatchNormalization()(Conv2D(expansion * x.shape[-1], 1, use_bias=False)(y)))
//       y = DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(y)
//       y = ReLU(6.0)(BatchNormalization()(y))
//       y = BatchNormalization()(Conv2D(filters, 1, use_bias=False)(y))
//       return Add()([x, y]) if stride == 1 and x.shape[-1] == filters else y
//
//   x = keras.Input((32, 32, 3))
//   h = ReLU(6.0)(BatchNormalization()(Conv2D(16, 3, strides=2, padding="same", use_bias=False)(x)))
//   h = inverted_residual(h, 1, 8, 1)     # 16 x 16 x 8
//   h = inverted_residual(h, 4, 16, 2)    #  8 x  8 x 16
//   h = inverted_residual(h, 4, 16, 1)    #  8 x  8 x 16, with the shortcut
//   h = inverted_residual(h, 4, 24, 2)    #  4 x  4 x 24
//   h = inverted_residual(h, 4, 24, 1)    #  4 x  4 x 24, with the shortcut
//   h = ReLU(6.0)(BatchNormalization()(Conv2D(64, 1, use_bias=False)(h)))
//   out = Dense(10, activation="softmax")(GlobalAveragePooling2D()(h))
//
// The blocks with a shortcut are Residual<...> (x + f(x)); the others are their layers in line.
// Keras' MobileNetV2 pads a strided depthwise convolution with ZeroPadding2D and convolves "valid";
// Padding::same here pads the odd cell at the bottom/right instead (TensorFlow's "same").
#pragma once
#include <tshape/layers/activation.hpp>
#include <tshape/layers/batch_normalization.hpp>
#include <tshape/layers/conv2d.hpp>
#include <tshape/layers/dense.hpp>
#include <tshape/layers/depthwise_conv2d.hpp>
#include <tshape/layers/global_average_pooling2d.hpp>
#include <tshape/model/residual.hpp>
#include <tshape/model/sequential.hpp>

namespace mobilenet {
using namespace tshape;

using BN = BatchNormalization;
/// A 1x1 convolution without bias (BatchNormalization's beta is the bias).
template <int Filters>
using Pointwise = Conv2D<Filters, Kernel<1>, UseBias<false>>;
template <int Stride>
using Depthwise = DepthwiseConv2D<Kernel<3>, Strides<Stride, Stride>, Padding::same, UseBias<false>>;


using Net = Sequential<Input<32, 32, 3>,
                       // Stem: 16 x 16 x 16.
                       Conv2D<16, Kernel<3>, Strides<2, 2>, Padding::same, UseBias<false>>, BN, ReLU6,
                       // Block 1, no expansion (as MobileNetV2's first): 16 x 16 x 8.
                       Depthwise<1>, BN, ReLU6, Pointwise<8>, BN,
                       // Block 2, expansion 4, stride 2: 8 x 8 x 16.
                       Pointwise<32>, BN, ReLU6, Depthwise<2>, BN, ReLU6, Pointwise<16>, BN,
                       // Block 3: the same shape in and out, so x + f(x).
                       Residual<Pointwise<64>, BN, ReLU6, Depthwise<1>, BN, ReLU6, Pointwise<16>, BN>,
                       // Block 4, stride 2: 4 x 4 x 24.
                       Pointwise<64>, BN, ReLU6, Depthwise<2>, BN, ReLU6, Pointwise<24>, BN,
                       // Block 5: x + f(x).
                       Residual<Pointwise<96>, BN, ReLU6, Depthwise<1>, BN, ReLU6, Pointwise<24>, BN>,
                       // Head: 1x1 to 64 channels, average over the 4 x 4 cells, classify.
                       Pointwise<64>, BN, ReLU6, GlobalAveragePooling2D, Dense<10, Softmax>>;

/// The memory one forward call works in, for up to Batch images. Firmware keeps one for good.
template <int Batch = 1>
using Arena = Net::arena<Batch>;

// The memory budget, checked when anything including this compiles (Keras counts the same params).
static_assert(Net::param_count == 17'962);
static_assert(Net::param_bytes == 71'848, "the parameters: 70 KiB");
static_assert(Net::activation_bytes == 65'792, "one image's arena: 64 KiB");

}  // namespace mobilenet
