// The functional examples (examples/functional/) against PyTorch: a small ResNet with identity and
// projection shortcuts, and a model of two inputs and two outputs, from the same weights
// (tests/reference/make_functional.py).
#include <tshape/tshape.hpp>

#include <string>

#include "../../../examples/functional/resnet.hpp"
#include "../../../examples/functional/two_inputs.hpp"
#include "../support.hpp"

using namespace tshape;

namespace {
const tshape_test::reference& ref() {
  static const tshape_test::reference r("functional.txt");
  return r;
}
// Copies the reference arrays "<role>.<weight>" into the layer that computes `tensor`.
template <class Net, class T>
void load(Net& net, const T& tensor, const std::string& role) {
  layer(net, tensor).for_each_weight([&](std::string_view name, auto view) {
    ref().copy_to(role + "." + std::string(name), view);
  });
}
}  // namespace

TEST_CASE("functional reference: the small ResNet computes what PyTorch computes", "[model][functional][reference]") {
  using namespace resnet;
  auto net = make_model<Net>();
  load(net, stem, "stem");
  load(net, b1_conv1, "b1_conv1");
  load(net, b1_bn1, "b1_bn1");
  load(net, b1_conv2, "b1_conv2");
  load(net, b1_bn2, "b1_bn2");
  load(net, b2_conv1, "b2_conv1");
  load(net, b2_bn1, "b2_bn1");
  load(net, b2_conv2, "b2_conv2");
  load(net, b2_bn2, "b2_bn2");
  load(net, shortcut, "b2_project");
  load(net, scores, "head");
  Tensor<float, Shape<dyn, 16, 16, 3>> x(3);
  ref().copy_to("resnet.x", x);
  const auto y = net(x);
  tshape_test::require_close(y, ref()["resnet.y"].values, 1e-4, 1e-5);
  // The arena reuses what the layers no longer read: less than all the block's tensors at once.
  STATIC_REQUIRE(Net::plan(1).activations < Net::unshared_activation_floats(1));
}

TEST_CASE("functional reference: two inputs and two outputs compute what PyTorch computes", "[model][functional][reference]") {
  using namespace two_inputs;
  auto net = make_model<Net>();
  load(net, Conv2D<4, Kernel<3, 3>, Padding::same, ReLU>{}(image), "image_conv");
  load(net, seen, "image_dense");
  load(net, known, "meta_dense");
  load(net, alarm_probability, "alarm");
  load(net, category, "kind");
  Tensor<float, Shape<4, 8, 8, 1>> xi;
  Tensor<float, Shape<4, 5>> xm;
  ref().copy_to("two.image", xi);
  ref().copy_to("two.meta", xm);
  const auto [a, k] = net(xi, xm);
  tshape_test::require_close(a, ref()["two.alarm"].values, 1e-4, 1e-5);
  tshape_test::require_close(k, ref()["two.kind"].values, 1e-4, 1e-5);
}
