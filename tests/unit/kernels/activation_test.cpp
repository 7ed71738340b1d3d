#include <tshape/kernels/activation/activation.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape::kernels::activation;

namespace {
template <class Act>
void check_against(const std::string& name, const Act& act) {
  INFO("activation " << name);
  tshape_test::reference ref("dense.txt");
  std::vector<float> x(ref["edges.x"].values.size());
  ref.copy_to("edges.x", x);
  apply_inplace(act, x.data(), static_cast<std::ptrdiff_t>(x.size()));
  for (float v : x) REQUIRE(std::isfinite(v));
  tshape_test::require_close(x, ref["edges." + name].values, 1e-6, 1e-6);
}
}  // namespace

TEST_CASE("activations: match PyTorch on values from -1000 to 1000, never inf or NaN", "[kernels][activation]") {
  check_against("linear", linear{});
  check_against("relu", relu{});
  check_against("sigmoid", sigmoid{});
  check_against("tanh", tshape::kernels::activation::tanh{});
  check_against("elu", elu{});
  check_against("leaky_relu", leaky_relu{0.3f});
  check_against("gelu", gelu{});
  check_against("gelu_tanh", gelu{true});
  check_against("softplus", softplus{});
  check_against("swish", swish{});
}

TEST_CASE("softmax: max-subtracted, so logits of 1000 stay finite", "[kernels][activation]") {
  tshape_test::reference ref("dense.txt");
  std::vector<float> x(ref["edges.x"].values.size());
  ref.copy_to("edges.x", x);
  softmax_rows(x.data(), 1, static_cast<std::ptrdiff_t>(x.size()));
  tshape_test::require_close(x, ref["edges.softmax"].values, 1e-6, 1e-7);
  std::vector<float> rows{1, 2, 3, 1000, 1000, 1000};
  softmax_rows(rows.data(), 2, 3);
  CHECK(rows[3] == Approx(1.0 / 3));
  CHECK(rows[0] + rows[1] + rows[2] == Approx(1.0));
}

TEST_CASE("activations: the SIMD forms agree with the scalar forms", "[kernels][activation]") {
  std::vector<float> x(37), y;
  tshape_test::random_floats rnd(3);
  rnd.fill(x, -5.0f, 5.0f);
  for (float alpha : {0.3f, 1.5f, -0.5f}) {
    y = x;
    const leaky_relu act{alpha};
    apply_inplace(act, y.data(), static_cast<std::ptrdiff_t>(y.size()));
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == act(x[i]));
  }
  y = x;
  apply_inplace(relu{}, y.data(), static_cast<std::ptrdiff_t>(y.size()));
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == std::max(x[i], 0.0f));
}

namespace {
// dx = dy * act'(x, y) on path V against the scalar formula, over lengths around the vector width
// and inputs that land on the kinks (0 for ReLU, 0 and 6 for ReLU6, 0 and 1 for hard sigmoid's
// output), where the derivative is TensorFlow's one-sided value.
template <class V, class Act>
void check_grad(const std::string& name, const Act& act) {
  INFO("activation " << name << " on " << V::name);
  tshape_test::random_floats rnd(3);
  for (std::ptrdiff_t n : {1, 7, 8, 9, 16, 17, 33, 100}) {
    std::vector<float> x(static_cast<std::size_t>(n)), y(x.size()), dy(x.size()), dx(x.size(), -9.0f);
    rnd.fill(x, -8.0f, 8.0f);
    rnd.fill(dy);
    for (std::size_t i = 0; i < x.size(); i += 5) x[i] = i % 3 == 0 ? 0.0f : (i % 3 == 1 ? 6.0f : -3.0f);
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = act(x[i]);
    apply_grad<Act, V>(act, x.data(), y.data(), dy.data(), dx.data(), n);
    for (std::size_t i = 0; i < x.size(); ++i) {
      INFO("n " << n << ", x " << x[i] << ", y " << y[i]);
      const float want = dy[i] * act.grad(x[i], y[i]);
      REQUIRE(std::fabs(dx[i] - want) <= 1e-6f * (1.0f + std::fabs(want)));
    }
  }
}
template <class V>
void check_grads() {
  check_grad<V>("linear", linear{});
  check_grad<V>("relu", relu{});
  check_grad<V>("leaky_relu", leaky_relu{0.1f});
  check_grad<V>("sigmoid", sigmoid{});
  check_grad<V>("tanh", tshape::kernels::activation::tanh{});
  check_grad<V>("relu6", relu6{});
  check_grad<V>("hard_sigmoid", hard_sigmoid{});
  check_grad<V>("elu", elu{});  // no register form: the plain loop
}
}  // namespace

TEST_CASE("activation gradients: every SIMD path agrees with the scalar derivative", "[kernels][activation]") {
  check_grads<tshape::kernels::simd::native>();
#if defined(TSHAPE_SIMD_AVX512)
  check_grads<tshape::kernels::simd::avx2>();
#endif
  check_grads<tshape::kernels::simd::scalar>();
}
