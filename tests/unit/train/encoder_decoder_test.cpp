// Encoder-decoders through the training path: a small U-Net (functional: a skip connection meets
// the decoder's Conv2DTranspose and bilinear UpSampling2D in Concatenate) checked against finite
// differences, and a Sequential convolutional autoencoder (Cropping2D, ZeroPadding2D, UpSampling2D,
// Conv2DTranspose) that learns to reconstruct its images with Adam.
#include <tshape/tshape.hpp>

#include <cmath>

#include "gradient_check.hpp"

using namespace tshape;

namespace unet {
constexpr auto image = Input<8, 8, 1>{};
constexpr auto skip = Conv2D<4, Kernel<3>, Padding::same, Tanh>{}(image);                               // (8, 8, 4)
// Average pooling: a finite difference step on the first kernel could change a max pool's choice.
constexpr auto deep = Conv2D<6, Kernel<3>, Padding::same, Tanh>{}(AveragePooling2D<>{}(skip));           // (4, 4, 6)
constexpr auto learned = Conv2DTranspose<3, Kernel<3>, Strides<2>, Padding::same, Tanh>{}(deep);        // (8, 8, 3)
constexpr auto smooth = UpSampling2D<Interpolation::bilinear>{}(deep);                                   // (8, 8, 6)
constexpr auto joined = Concatenate<>{}(skip, learned, smooth);                                          // (8, 8, 13)
constexpr auto mask = Conv2D<1, Kernel<1>, Sigmoid>{}(joined);
using Net = decltype(model(image, mask));
}  // namespace unet

static_assert(std::is_same_v<unet::Net::output_shape, Shape<8, 8, 1>>);

TEST_CASE("backward: a U-Net with Conv2DTranspose and bilinear UpSampling2D matches finite differences",
          "[train][backward][conv2d_transpose][up_sampling]") {
  tshape_test::check_gradients<unet::Net>(2);
}

using Autoencoder = Sequential<Input<10, 10, 1>, Cropping2D<1>,                              // (8, 8, 1)
                               Conv2D<8, Kernel<3>, Strides<2>, Padding::same, ReLU>,          // (4, 4, 8)
                               Conv2D<8, Kernel<3>, Strides<2>, Padding::same, ReLU>,          // (2, 2, 8)
                               UpSampling2D<>,                                                 // (4, 4, 8)
                               Conv2DTranspose<8, Kernel<3>, Strides<2>, Padding::same, ReLU>, // (8, 8, 8)
                               ZeroPadding2D<1>, Conv2D<1, Kernel<1>>>;                        // (10, 10, 1)
static_assert(std::is_same_v<Autoencoder::output_shape, Shape<10, 10, 1>>);
// The same with a smooth activation for finite differences (a step can cross ReLU's kink).
using SmoothAutoencoder = Sequential<Input<10, 10, 1>, Cropping2D<1>, Conv2D<8, Kernel<3>, Strides<2>, Padding::same, Tanh>,
                                     Conv2D<8, Kernel<3>, Strides<2>, Padding::same, Tanh>, UpSampling2D<>,
                                     Conv2DTranspose<8, Kernel<3>, Strides<2>, Padding::same, Tanh>, ZeroPadding2D<1>,
                                     Conv2D<1, Kernel<1>>>;

TEST_CASE("training: a convolutional autoencoder learns to reconstruct its images", "[train][conv2d_transpose]") {
  tshape_test::check_gradients<SmoothAutoencoder>(2);
  // Images of soft blobs (zero on the cropped and padded border, as the model can only give there).
  constexpr int n = 32;
  Tensor<float, Shape<n, 10, 10, 1>> x;
  x.fill(0.0f);
  for (int s = 0; s < n; ++s) {
    const float cy = 3.0f + static_cast<float>(s % 4), cx = 3.0f + static_cast<float>((s / 4) % 4);
    for (int i = 1; i < 9; ++i)
      for (int j = 1; j < 9; ++j)
        x(s, i, j, 0) = std::exp(-((i - cy) * (i - cy) + (j - cx) * (j - cx)) / 4.0f);
  }
  auto net = make_model<Autoencoder>(5);
  auto trainer = make_trainer(*net, MeanSquaredError{}, Adam{.learning_rate = 0.01f});
  const float first = trainer.step(x, x);
  float last = first;
  for (int epoch = 0; epoch < 200; ++epoch) last = trainer.step(x, x);
  INFO("loss " << first << " -> " << last);
  CHECK(last < 0.3f * first);  // 0.061 -> 0.012 here
}
