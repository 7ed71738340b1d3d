// EXPECT-MESSAGE: tshape: the model.s output still has spatial axes and the loss target has none
// EXPECT-ERROR: OUTPUT_KEEPS_SPATIAL_AXES<.*in_loss<.*BinaryCrossentropy>, .*model_output_shape<.*None, 5, 5, 1>, .*loss_target_shape<.*None, 1>
// TITLE: fit on a CNN whose output still has its 5x5 feature map, against one label per image
// SEED: 002
// KERAS: ValueError: logits and labels must have the same shape ((None, 5, 5, 1) vs (None, 1)), when model.fit starts
// FIX: reduce the feature map before the last Dense (GlobalAveragePooling2D here, or Flatten): Dense acts on the last axis only, so after a convolution it keeps the spatial axes.
#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

// Seed 002's CNN as written: its Dense acts on the last axis of the (5, 5, 64) feature map.
using Net = Sequential<Input<20, 20, 1>, Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<>,
                       Conv2D<64, Kernel<3, 3>, Padding::same, ReLU>,
                       MaxPooling2D<>, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 20, 20, 1>> images(64);
  Tensor<float, Shape<dyn, 1>> labels(64);
  auto history = fit(net, images, labels, BinaryCrossentropy{}, Adam{}, {.epochs = 2, .batch_size = 32});
  std::printf("loss %f\n", history["loss"].back());
}
