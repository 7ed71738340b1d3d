// EXPECT-MESSAGE: tshape: the model.s output still has spatial axes and the loss target has none
// EXPECT-ERROR: OUTPUT_KEEPS_SPATIAL_AXES<.*in_loss<.*BinaryCrossentropy>, .*model_output_shape<32, 5, 5, 1>, .*loss_target_shape<32, 1>
// TITLE: A CNN whose output still has its 5x5 feature map, against one label per image
// SEED: 002
// KERAS: ValueError: logits and labels must have the same shape ((32, 5, 5, 1) vs (32, 1))
// FIX: reduce the feature map before the last Dense (GlobalAveragePooling2D, or Flatten as here): Dense acts on the last axis only, so after a convolution it keeps the spatial axes.
#include <tshape/tshape.hpp>
using namespace tshape;

// The CNN's last feature map is (5, 5, 64); Dense acts on its last axis only.
using Head = Sequential<Input<5, 5, 64>, Dense<1, Sigmoid>>;

int main() {
  auto head = make_model<Head>();
  Tensor<float, Shape<32, 5, 5, 64>> features;
  Tensor<float, Shape<32, 1>> labels;
  float l = loss<BinaryCrossentropy>(head(features), labels);
  (void)l;
}
