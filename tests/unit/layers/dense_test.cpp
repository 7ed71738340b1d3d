#include <tshape/layers/dense.hpp>
#include <tshape/model/model_ptr.hpp>
#include <tshape/model/sequential.hpp>

#include <string>

#include "../support.hpp"

using namespace tshape;

// The shape rule: the last axis becomes Units; any rank >= 1 (Keras contracts the last axis).
static_assert(std::is_same_v<decltype(Dense<128>::infer(Shape<20>{})), Shape<128>>);
static_assert(std::is_same_v<decltype(Dense<5>::infer(Shape<3, 4>{})), Shape<3, 5>>);
static_assert(std::is_same_v<decltype(Dense<64>::infer(Shape<5, 5, 1>{})), Shape<5, 5, 64>>);
static_assert(is_mismatch_v<decltype(Dense<64>::infer(Shape<>{}))>);
// Keras' parameter counts and defaults.
static_assert(Dense<128>::bind<Shape<20>>::param_count == 20 * 128 + 128);
static_assert(Dense<128, UseBias<false>>::bind<Shape<20>>::param_count == 20 * 128);
static_assert(Dense<5>::bind<Shape<3, 4>>::param_count == 4 * 5 + 5);
static_assert(std::is_same_v<Dense<8>::activation, Linear>);
static_assert(std::is_same_v<Dense<8, UseBias<false>, ReLU>::activation, ReLU>);
static_assert(!Dense<8, UseBias<false>, ReLU>::use_bias);

namespace {
template <class Act>
void check_activation(const std::string& name) {
  INFO("Dense<9, " << name << ">");
  tshape_test::reference ref("dense.txt");
  using Net = Sequential<Input<7>, Dense<9, Act>>;
  Net net;
  ref.copy_to("dense.kernel", layer<0>(net).kernel());
  ref.copy_to("dense.bias", layer<0>(net).bias());
  Tensor<float, Shape<5, 7>> x;
  ref.copy_to("dense.x", x);
  auto y = net(x);
  tshape_test::require_close(y, ref["dense." + name].values, 1e-5, 1e-5);
}
}  // namespace

TEST_CASE("Dense: matches PyTorch with every activation", "[layers][dense]") {
  check_activation<Linear>("linear");
  check_activation<ReLU>("relu");
  check_activation<Sigmoid>("sigmoid");
  check_activation<Tanh>("tanh");
  check_activation<Softmax>("softmax");
  check_activation<ELU>("elu");
  check_activation<LeakyReLU>("leaky_relu");
  check_activation<GELU>("gelu");
  check_activation<GELU::approximate>("gelu_tanh");
  check_activation<Softplus>("softplus");
  check_activation<Swish>("swish");
}

TEST_CASE("Dense: on a rank-3 input only the last axis is contracted", "[layers][dense]") {
  tshape_test::reference ref("dense.txt");
  using Net = Sequential<Input<3, 4>, Dense<5>>;
  static_assert(std::is_same_v<Net::output_shape, Shape<3, 5>>);
  auto net = make_model<Net>();
  ref.copy_to("dense3.kernel", layer<0>(net).kernel());
  ref.copy_to("dense3.bias", layer<0>(net).bias());
  Tensor<float, Shape<dyn, 3, 4>> x(2);
  ref.copy_to("dense3.x", x);
  auto y = net(x);
  CHECK(y.extent(0) == 2);
  tshape_test::require_close(y, ref["dense3.y"].values, 1e-5, 1e-6);
}

TEST_CASE("Dense: UseBias<false> has no bias array and adds nothing", "[layers][dense]") {
  using Net = Sequential<Input<2>, Dense<2, UseBias<false>>>;
  Net net;
  auto k = layer<0>(net).kernel();
  k(0, 0) = 1;
  k(0, 1) = 2;
  k(1, 0) = 3;
  k(1, 1) = 4;
  Tensor<float, Shape<1, 2>> x{1, 1};
  auto y = net(x);
  CHECK(y(0, 0) == 4.0f);
  CHECK(y(0, 1) == 6.0f);
  int arrays = 0;
  layer<0>(net).for_each_weight([&](std::string_view, auto) { ++arrays; });
  CHECK(arrays == 1);
}

TEST_CASE("Dense: Keras' initializers (glorot_uniform kernel, zero bias)", "[layers][dense]") {
  auto net = make_model<Sequential<Input<20>, Dense<128>>>(42);
  const float limit = std::sqrt(6.0f / (20 + 128));
  float lo = 1, hi = -1;
  for (float v : layer<0>(net).kernel()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  CHECK(lo >= -limit);
  CHECK(hi <= limit);
  CHECK(hi - lo > limit);  // spread over the range, not constant
  for (float v : layer<0>(net).bias()) CHECK(v == 0.0f);
}
