// ReLU6, HardSigmoid and HardSwish (MobileNet's activations): against PyTorch element by element,
// the SIMD forms against the scalar ones, as Dense and Conv2D options and as layers, and backward.
#include <tshape/tshape.hpp>

#include <string>
#include <vector>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;
namespace ka = tshape::kernels::activation;

static_assert(ReLU6::keras_class == "ReLU" && ReLU6::keras_name == "re_lu");  // Keras' ReLU(max_value=6)
static_assert(HardSigmoid::keras_class == "Activation" && HardSwish::keras_name == "activation");
static_assert(is_activation_v<ReLU6> && is_activation_v<HardSigmoid> && is_activation_v<HardSwish>);
static_assert(std::is_same_v<Dense<3, ReLU6>::activation, ReLU6>);
static_assert(std::is_same_v<Conv2D<3, HardSwish, Kernel<3>>::activation, HardSwish>);
// Their derivatives come from the output where they can: ReLU6 and HardSigmoid keep no pre-activation.
static_assert(!detail::keeps_pre_activation<ReLU6> && !detail::keeps_pre_activation<HardSigmoid> &&
              detail::keeps_pre_activation<HardSwish>);

namespace {
template <class Act>
void check_elementwise(const std::string& name, const Act& act) {
  INFO("activation " << name);
  tshape_test::reference ref("depthwise.txt");
  std::vector<float> x(ref["act.x"].values.size());
  ref.copy_to("act.x", x);
  apply_inplace(act, x.data(), static_cast<std::ptrdiff_t>(x.size()));
  tshape_test::require_close(x, ref["act." + name].values, 1e-6, 1e-6);
  // One at a time through the scalar form as well (the vector loop takes whole registers only).
  ref.copy_to("act.x", x);
  for (auto& v : x) v = act(v);
  tshape_test::require_close(x, ref["act." + name].values, 1e-6, 1e-6);
}

template <class Act>
void check_simd_matches_scalar(const Act& act) {
  std::vector<float> x(67), y;
  tshape_test::random_floats rnd(5);
  rnd.fill(x, -9.0f, 9.0f);
  x[3] = -3.0f, x[4] = 0.0f, x[5] = 3.0f, x[6] = 6.0f;
  y = x;
  apply_inplace(act, y.data(), static_cast<std::ptrdiff_t>(y.size()));
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == act(x[i]));
}

template <class Act>
void check_dense(const std::string& name) {
  INFO("Dense<9, " << name << "> and Dense<9> then " << name);
  tshape_test::reference ref("depthwise.txt");
  Sequential<Input<7>, Dense<9, Act>> fused;
  Sequential<Input<7>, Dense<9>, Act> apart;
  ref.copy_to("dense.kernel", layer<0>(fused).kernel());
  ref.copy_to("dense.bias", layer<0>(fused).bias());
  ref.copy_to("dense.kernel", layer<0>(apart).kernel());
  ref.copy_to("dense.bias", layer<0>(apart).bias());
  Tensor<float, Shape<5, 7>> x;
  ref.copy_to("dense.x", x);
  tshape_test::require_close(fused(x), ref["dense." + name].values, 1e-5, 1e-5);
  tshape_test::require_close(apart(x), ref["dense." + name].values, 1e-5, 1e-5);
}

template <class Act>
void check_conv(const Act& act) {
  // Fused into the direct kernel's stores against Conv2D then the activation's scalar form.
  Sequential<Input<6, 7, 5>, Conv2D<11, Kernel<3>, Padding::same, Act>> fused;
  Sequential<Input<6, 7, 5>, Conv2D<11, Kernel<3>, Padding::same>> linear;
  initialize(fused, 3);
  tshape_test::random_floats rnd(9);
  rnd.fill(layer<0>(fused).kernel(), -1.0f, 1.0f);
  rnd.fill(layer<0>(fused).bias(), -1.0f, 1.0f);
  std::copy(layer<0>(fused).kernel().begin(), layer<0>(fused).kernel().end(), layer<0>(linear).kernel().begin());
  std::copy(layer<0>(fused).bias().begin(), layer<0>(fused).bias().end(), layer<0>(linear).bias().begin());
  Tensor<float, Shape<2, 6, 7, 5>> x;
  rnd.fill(x, -2.0f, 2.0f);
  auto y = fused(x);
  auto z = linear(x);
  std::vector<float> expected(z.begin(), z.end());
  for (auto& v : expected) v = act.function()(v);
  tshape_test::require_close(y, expected, 1e-6, 1e-6);
}
}  // namespace

TEST_CASE("hard activations: match PyTorch on and around their kinks", "[kernels][activation]") {
  check_elementwise("relu6", ka::relu6{});
  check_elementwise("hard_sigmoid", ka::hard_sigmoid{});
  check_elementwise("hard_swish", ka::hard_swish{});
}

TEST_CASE("hard activations: the SIMD forms agree with the scalar forms", "[kernels][activation]") {
  check_simd_matches_scalar(ka::relu6{});
  check_simd_matches_scalar(ka::hard_sigmoid{});
  check_simd_matches_scalar(ka::hard_swish{});
}

TEST_CASE("hard activations: as Dense options and as layers, against PyTorch", "[layers][activation]") {
  check_dense<ReLU6>("relu6");
  check_dense<HardSigmoid>("hard_sigmoid");
  check_dense<HardSwish>("hard_swish");
}

TEST_CASE("hard activations: fused into Conv2D", "[layers][activation]") {
  check_conv(ReLU6{});
  check_conv(HardSigmoid{});
  check_conv(HardSwish{});
}

TEST_CASE("hard activations: derivatives, with TensorFlow's values at the kinks", "[kernels][activation]") {
  CHECK(ka::relu6{}.grad(0.0f, 0.0f) == 0.0f);
  CHECK(ka::relu6{}.grad(0.0f, 6.0f) == 0.0f);
  CHECK(ka::relu6{}.grad(0.0f, 3.0f) == 1.0f);
  CHECK(ka::hard_sigmoid{}.grad(0.0f, 0.5f) == Approx(1.0 / 6));
  CHECK(ka::hard_sigmoid{}.grad(0.0f, 1.0f) == 0.0f);
  CHECK(ka::hard_swish{}.grad(-3.0f, 0.0f) == 0.0f);
  CHECK(ka::hard_swish{}.grad(3.0f, 0.0f) == 1.0f);
  CHECK(ka::hard_swish{}.grad(0.0f, 0.0f) == Approx(0.5));
  CHECK(ka::hard_swish{}.grad(-1.5f, 0.0f) == 0.0f);
}

// Finite differences step across a kink when a pre-activation lies within eps of one, and are then
// wrong by design; the inputs and seeds here keep every checked value clear of them (a small step,
// and values spread over all the pieces).
TEST_CASE("hard activations: backward matches finite differences", "[train][backward]") {
  tshape_test::gradient_check_options o;
  o.eps = 1e-3;
  // As layers: the input itself is the pre-activation, spread over [-8, 8].
  tshape_test::check_gradients<Sequential<Input<23>, ReLU6>>(3, o, -8.0f, 8.0f);
  tshape_test::check_gradients<Sequential<Input<23>, HardSigmoid>>(3, o, -8.0f, 8.0f);
  tshape_test::check_gradients<Sequential<Input<23>, HardSwish>>(3, o, -8.0f, 8.0f);
  // Fused into Dense and Conv2D, batch 1 and more.
  tshape_test::check_gradients<Sequential<Input<6>, Dense<7, ReLU6>, Dense<5, HardSigmoid>, Dense<3, HardSwish>>>(
      1, o, -4.0f, 4.0f);
  tshape_test::check_gradients<Sequential<Input<6>, Dense<7, HardSwish>, Dense<5, ReLU6>>>(4, o, -4.0f, 4.0f);
  // The default seed (7) puts one of the second convolution's pre-activations within 1e-4 of a kink
  // (38 checks then differ); seed 1 keeps them all clear.
  o.seed = 1;
  tshape_test::check_gradients<Sequential<Input<5, 6, 3>, Conv2D<4, Kernel<3>, Padding::same, HardSwish>,
                                          Conv2D<3, Kernel<2>, ReLU6>>>(2, o, -3.0f, 3.0f);
}
