#include <tshape/kernels/simd/math.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "../support.hpp"

namespace simd = tshape::kernels::simd;

namespace {

// Inputs: a fine grid over [-100, 100], denser near 0, plus edges.
std::vector<float> inputs() {
  std::vector<float> x;
  for (int i = -200000; i <= 200000; ++i) x.push_back(static_cast<float>(i) * 5e-4f);
  for (int i = -2000; i <= 2000; ++i) x.push_back(static_cast<float>(i) * 1e-6f);
  for (float v : {-1000.0f, -100.0f, -88.0f, -87.5f, -87.0f, -20.0f, -9.0f, -0.55f, -1e-30f, 0.0f, -0.0f, 1e-30f,
                  0.55f, 0.5499999f, 0.5500001f, 9.0f, 20.0f, 87.0f, 88.0f, 88.5f, 100.0f, 1000.0f})
    x.push_back(v);
  return x;
}

// Applies f to every input on V's registers, the tail through a partial load.
template <class V, class F>
std::vector<float> apply(const std::vector<float>& x, F f) {
  std::vector<float> y(x.size());
  const int n = static_cast<int>(x.size());
  int i = 0;
  for (; i + V::width <= n; i += V::width) V::store(y.data() + i, f(V::load(x.data() + i)));
  if (i < n) V::store_partial(y.data() + i, f(V::load_partial(x.data() + i, n - i)), n - i);
  return y;
}

struct errors {
  double rel = 0, abs = 0;
};
template <class Ref>
errors measure(const std::vector<float>& x, const std::vector<float>& y, Ref ref, double lo, double hi) {
  errors e;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] < lo || x[i] > hi) continue;
    const double r = ref(static_cast<double>(x[i]));
    REQUIRE(std::isfinite(y[i]));
    const double d = std::fabs(static_cast<double>(y[i]) - r);
    e.abs = std::max(e.abs, d);
    if (std::fabs(r) > 1e-30) e.rel = std::max(e.rel, d / std::fabs(r));
  }
  return e;
}

template <class V>
void check_isa() {
  INFO("instruction set " << V::name);
  const auto x = inputs();
  constexpr double ulp = 5.960464477539063e-08;  // 2^-24: half of float's epsilon

  const auto ye = apply<V>(x, [](auto v) { return simd::exp<V>(v); });
  const errors ee = measure(x, ye, [](double v) { return std::exp(v); }, -87.0, 88.0);
  CHECK(ee.rel <= 4 * ulp);

  const auto ys = apply<V>(x, [](auto v) { return simd::sigmoid<V>(v); });
  const errors es = measure(x, ys, [](double v) { return 1.0 / (1.0 + std::exp(-v)); }, -87.0, 1e9);
  CHECK(es.rel <= 8 * ulp);
  const errors es_all = measure(x, ys, [](double v) { return 1.0 / (1.0 + std::exp(-v)); }, -1e9, 1e9);
  CHECK(es_all.abs <= 2e-7);

  // tanh: within 2e-7 everywhere; relatively close where it is not small (its form, 1 - 2 / (e^2x + 1),
  // spends relative accuracy near 0, where the absolute error is what an activation needs).
  const auto yt = apply<V>(x, [](auto v) { return simd::tanh<V>(v); });
  const errors et = measure(x, yt, [](double v) { return std::tanh(v); }, -1e9, 1e9);
  CHECK(et.abs <= 2e-7);
  const errors et_pos = measure(x, yt, [](double v) { return std::tanh(v); }, 0.5, 1e9);
  const errors et_neg = measure(x, yt, [](double v) { return std::tanh(v); }, -1e9, -0.5);
  CHECK(et_pos.rel <= 8 * ulp);
  CHECK(et_neg.rel <= 8 * ulp);

  // The limits, where float has them (1, or the float just below it), and odd symmetry.
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::fabs(x[i]) >= 10.0f) REQUIRE(std::fabs(yt[i]) >= 0.99999994f);
    if (x[i] >= 20.0f) REQUIRE(ys[i] >= 0.99999994f);
  }
  const auto yn = apply<V>(x, [](auto v) { return simd::tanh<V>(V::mul(v, V::broadcast(-1.0f))); });
  for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(std::fabs(yn[i] + yt[i]) <= 3e-7);
}

}  // namespace

TEST_CASE("simd math: exp, sigmoid and tanh agree with std:: (a few ulp, tanh 2e-7)", "[kernels][simd]") {
  check_isa<simd::native>();
#if defined(TSHAPE_SIMD_AVX512)
  check_isa<simd::avx2>();
#endif
  check_isa<simd::scalar>();
}

TEST_CASE("simd math: the measured errors, for the record", "[.][kernels][simd]") {
  const auto x = inputs();
  using V = simd::native;
  const auto ye = apply<V>(x, [](auto v) { return simd::exp<V>(v); });
  const auto ys = apply<V>(x, [](auto v) { return simd::sigmoid<V>(v); });
  const auto yt = apply<V>(x, [](auto v) { return simd::tanh<V>(v); });
  const errors ee = measure(x, ye, [](double v) { return std::exp(v); }, -87.0, 88.0);
  const errors es = measure(x, ys, [](double v) { return 1.0 / (1.0 + std::exp(-v)); }, -1e9, 1e9);
  const errors et = measure(x, yt, [](double v) { return std::tanh(v); }, -1e9, 1e9);
  const errors et_large = measure(x, yt, [](double v) { return std::tanh(v); }, 0.5, 1e9);
  WARN(V::name << ": exp rel " << ee.rel << ", sigmoid rel " << es.rel << " abs " << es.abs << ", tanh abs "
               << et.abs << ", rel (x >= 0.5) " << et_large.rel);
}
