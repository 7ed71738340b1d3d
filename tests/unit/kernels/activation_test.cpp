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
