// set_weights and from_weights: all parameters from one flat array in get_weights() order, at run
// time or by the compiler (a constexpr model, as the embedded example keeps in flash).
#include <tshape/tshape.hpp>

#include <array>
#include <vector>

#include "../support.hpp"

using namespace tshape;

namespace {
using Net = Sequential<Input<3>, Dense<4, ReLU>, Sequential<Dense<5>, Tanh>, Dense<2, UseBias<false>>>;
static_assert(Net::param_count == (3 * 4 + 4) + (4 * 5 + 5) + 5 * 2);

constexpr auto values = [] {
  std::array<float, Net::param_count> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = 0.01f * static_cast<float>(i) - 0.2f;
  return a;
}();

// Built by the compiler: every array where get_weights() puts it, in Keras' layout.
constexpr Net built = from_weights<Net>(values);
static_assert(layer<0>(built).kernel()(1, 2) == values[1 * 4 + 2]);
static_assert(layer<0>(built).bias()(3) == values[12 + 3]);
static_assert(layer<1>(built).layer<0>().kernel()(3, 4) == values[16 + 3 * 5 + 4]);
static_assert(layer<2>(built).kernel()(4, 1) == values[41 + 4 * 2 + 1]);

// Every layer with weights builds at compile time too (the headers tools/onnx2tshape writes rely on it):
// convolutions, BatchNormalization, the recurrent layers and Bidirectional, between weightless ones.
using Deep = Sequential<Input<6, 6, 1>, ZeroPadding2D<1>, Conv2D<2, Kernel<3, 3>>, BatchNormalization, MaxPooling2D<>,
                        Reshape<9, 2>, Conv1D<3, Kernel<2>, Padding::same>, Bidirectional<GRU<2, ReturnSequences>>,
                        LSTM<2, ReturnSequences>, SimpleRNN<2>, Dense<1>>;
constexpr auto deep_values = [] {
  std::array<float, Deep::param_count> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = 0.001f * static_cast<float>(i % 97) + 0.05f;
  return a;
}();
constexpr Deep deep_built = from_weights<Deep>(deep_values);

// The depthwise, separable and transposed convolutions too (onnx2tshape writes the first and the last).
using Mobile = Sequential<Input<6, 6, 2>, DepthwiseConv2D<Kernel<3, 3>, DepthMultiplier<2>, Padding::same, ReLU6>,
                          SeparableConv2D<3, Kernel<2, 2>>, Conv2DTranspose<2, Kernel<3, 3>, Strides<2, 2>, HardSwish>,
                          Cropping2D<1>, GlobalAveragePooling2D, Dense<1>>;
constexpr auto mobile_values = [] {
  std::array<float, Mobile::param_count> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = 0.002f * static_cast<float>(i % 89) - 0.07f;
  return a;
}();
constexpr Mobile mobile_built = from_weights<Mobile>(mobile_values);
}  // namespace

TEST_CASE("set_weights: one flat array in get_weights() order, at run time and at compile time", "[model][weights]") {
  auto net = make_model<Net>(5);
  set_weights(net, values);
  std::vector<float> listed;
  for (const auto& w : weights(net))
    for (float v : w.values) listed.push_back(v);
  CHECK(listed == std::vector<float>(values.begin(), values.end()));

  Tensor<float, Shape<2, 3>> x{0.5f, -1, 2, 0, 1, -0.25f};
  tshape_test::require_close(built(x), net(x), 0, 0);
  auto deep = make_model<Deep>(3);
  set_weights(deep, deep_values);
  static Deep deep_copy = deep_built;  // weights() lists a model it may write to
  std::vector<float> deep_listed;
  for (const auto& w : weights(deep_copy))
    for (float v : w.values) deep_listed.push_back(v);
  CHECK(deep_listed == std::vector<float>(deep_values.begin(), deep_values.end()));
  Tensor<float, Shape<2, 6, 6, 1>> image;
  for (int i = 0; i < image.size(); ++i) image.data()[i] = 0.1f * static_cast<float>(i % 7) - 0.3f;
  tshape_test::require_close(deep_built(image), deep(image), 0, 0);

  auto mobile = make_model<Mobile>(4);
  set_weights(mobile, mobile_values);
  static Mobile mobile_copy = mobile_built;
  std::vector<float> mobile_listed;
  for (const auto& w : weights(mobile_copy))
    for (float v : w.values) mobile_listed.push_back(v);
  CHECK(mobile_listed == std::vector<float>(mobile_values.begin(), mobile_values.end()));
  Tensor<float, Shape<2, 6, 6, 2>> pair;
  for (int i = 0; i < pair.size(); ++i) pair.data()[i] = 0.05f * static_cast<float>(i % 11) - 0.25f;
  tshape_test::require_close(mobile_built(pair), mobile(pair), 0, 0);

  CHECK_THROWS_WITH(set_weights(net, std::span<const float>(values).first(10)),
                    Catch::Contains("set_weights: the array does not hold param_count floats"));
}
