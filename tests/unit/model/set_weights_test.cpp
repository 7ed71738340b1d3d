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
  CHECK_THROWS_WITH(set_weights(net, std::span<const float>(values).first(10)),
                    Catch::Contains("set_weights: the array does not hold param_count floats"));
}
