// from_weights at compile time for a convolutional model (Conv2D, DepthwiseConv2D, BatchNormalization,
// pooling, a Residual block), as the MobileNet example keeps its model in flash: every array where
// get_weights() puts it, and the same outputs as the model given the same weights at run time.
#include <tshape/tshape.hpp>

#include <array>

#include "../support.hpp"

using namespace tshape;

namespace {
using Net = Sequential<Input<6, 5, 2>, Conv2D<4, Kernel<3>, Strides<2, 2>, Padding::same, UseBias<false>>,
                       BatchNormalization, ReLU6,
                       Residual<DepthwiseConv2D<Kernel<3>, Padding::same>, BatchNormalization>, MaxPooling2D<Pool<2>>,
                       GlobalAveragePooling2D, Dense<3, Softmax>>;
// Conv2D 3*3*2*4, BN 4*4, DepthwiseConv2D 3*3*4 + 4, BN 4*4, Dense 4*3 + 3.
static_assert(Net::param_count == 72 + 16 + 40 + 16 + 15);

constexpr auto values = [] {
  std::array<float, Net::param_count> a{};
  // Moving variances must be positive: every value is.
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = 0.05f + 0.01f * static_cast<float>(i % 37);
  return a;
}();

constexpr Net built = from_weights<Net>(values);
static_assert(layer<6>(built).bias()(2) == values[144 + 12 + 2]);
}  // namespace

TEST_CASE("from_weights: a convolutional model built by the compiler", "[model][weights]") {
  auto net = make_model<Net>(3);
  set_weights(net, values);
  Tensor<float, Shape<2, 6, 5, 2>> x;
  tshape_test::random_floats rnd(8);
  rnd.fill(x);
  tshape_test::require_close(built(x), net(x), 0, 0);
  CHECK(layer<0>(built).kernel()(2, 1, 1, 3) == values[((2 * 3 + 1) * 2 + 1) * 4 + 3]);
  CHECK(layer<3>(built).layer<0>().depthwise_kernel()(1, 2, 3, 0) == values[88 + (1 * 3 + 2) * 4 + 3]);
  CHECK(layer<1>(built).moving_variance()(1) == values[72 + 12 + 1]);
}
