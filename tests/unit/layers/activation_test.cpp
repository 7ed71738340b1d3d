#include <tshape/layers/activation.hpp>
#include <tshape/layers/dense.hpp>
#include <tshape/model/sequential.hpp>
#include <tshape/model/summary.hpp>

#include <string>

#include "../support.hpp"

using namespace tshape;

// Activation layers keep the shape and have no parameters; Keras' class names are kept.
static_assert(std::is_same_v<decltype(ReLU::infer(Shape<5, 5, 3>{})), Shape<5, 5, 3>>);
static_assert(ReLU::bind<Shape<4>>::param_count == 0);
static_assert(ReLU::keras_class == "ReLU" && Softmax::keras_class == "Softmax" && LeakyReLU::keras_class == "LeakyReLU");
static_assert(ELU::keras_class == "ELU" && Sigmoid::keras_class == "Activation" && Tanh::keras_name == "activation");
static_assert(is_activation_v<ReLU> && is_activation_v<LeakyReLU::alpha<1, 10>> && !is_activation_v<Dense<3>>);

namespace {
template <class Act>
void check_layer(const std::string& name) {
  INFO("activation layer " << name);
  tshape_test::reference ref("dense.txt");
  // Dense (linear) then the activation as its own layer equals Dense with the activation.
  using Net = Sequential<Input<7>, Dense<9>, Act>;
  Net net;
  ref.copy_to("dense.kernel", layer<0>(net).kernel());
  ref.copy_to("dense.bias", layer<0>(net).bias());
  Tensor<float, Shape<dyn, 7>> x(5);
  ref.copy_to("dense.x", x);
  tshape_test::require_close(net(x), ref["dense." + name].values, 1e-5, 1e-5);
}
}  // namespace

TEST_CASE("activation layers: each matches PyTorch after a Dense", "[layers][activation]") {
  check_layer<Linear>("linear");
  check_layer<ReLU>("relu");
  check_layer<Sigmoid>("sigmoid");
  check_layer<Tanh>("tanh");
  check_layer<Softmax>("softmax");
  check_layer<ELU>("elu");
  check_layer<LeakyReLU>("leaky_relu");
  check_layer<GELU>("gelu");
  check_layer<Softplus>("softplus");
  check_layer<Swish>("swish");
}

TEST_CASE("activation layers: alpha options", "[layers][activation]") {
  using Net = Sequential<Input<2>, LeakyReLU::alpha<1, 10>, ELU::alpha<1, 2>>;
  Net net;
  Tensor<float, Shape<1, 2>> x{-2.0f, 3.0f};
  auto y = net(x);
  CHECK(y(0, 0) == Approx(0.5 * (std::exp(-0.2) - 1.0)));
  CHECK(y(0, 1) == 3.0f);
}

TEST_CASE("activation layers: Softmax acts on the last axis of any rank", "[layers][activation]") {
  Sequential<Input<2, 3>, Softmax> net;
  Tensor<float, Shape<1, 2, 3>> x{0, 0, 0, 1, 1, 1000};
  auto y = net(x);
  CHECK(y(0, 0, 0) == Approx(1.0 / 3));
  CHECK(y(0, 1, 2) == Approx(1.0));
  CHECK(y(0, 1, 0) == Approx(0.0));
}
