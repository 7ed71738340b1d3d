// EXPECT-MESSAGE: tshape: expand_dims and squeeze take an axis the tensor has
// EXPECT-ERROR: INVALID_AXIS<.*in_squeeze, .*axis<-1, 1>, .*axis_extent_is_not_1, .*but_got_shape<32, 5, 5, 64>
// TITLE: squeeze of an axis that is not 1 (seed 002's labels against a (32, 5, 5, 64) output)
// SEED: 002
// KERAS: ValueError: Can not squeeze dim[3], expected a dimension of 1, got 64
// FIX: squeeze removes only an axis of extent 1; reduce the feature map first (GlobalAveragePooling2D, or Flatten then Dense).
#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<32, 5, 5, 64>> features;
  auto v = squeeze<-1>(features);
  (void)v;
}
