// Finite-difference checks of a merge layer's backward pass (several inputs), as gradient_check.hpp
// does for models: L = sum_j r_j y_j for a fixed random r, so dL/dy = r; backward() gives dL/dx for
// every input, and central differences of L on every element of every input give the same numbers.
// (The merge layers have no forward_train: they are the same in training; forward() is checked.)
#pragma once
#include <tshape/layers/layer.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../support.hpp"

namespace tshape_test {

struct merge_check_options {
  double eps = 1e-3;
  double tolerance = 2e-3;
  // Inputs on a grid where input k's values are k modulo the number of inputs: no two inputs are
  // ever closer than `grid`, so Maximum and Minimum have no tie within eps.
  bool distinct = false;
  float grid = 0.01f;
  std::uint64_t seed = 17;
};

/// Checks Spec bound to In... at random inputs: dx of every input against central differences of
/// L = sum r * y, with r random. dx is filled with garbage first: backward must overwrite it.
template <class Spec, class... In>
void check_merge_gradients(int batch, merge_check_options o = {}) {
  using B = typename Spec::template bind<In...>;
  using Out = typename B::output_shape;
  constexpr std::size_t K = sizeof...(In);
  const std::array<std::size_t, K> sizes{static_cast<std::size_t>(batch * In::static_size)...};
  const std::size_t out_size = static_cast<std::size_t>(batch * Out::static_size);
  tshape::detail::rng gen(o.seed);
  std::array<std::vector<float>, K> xs;
  for (std::size_t k = 0; k < K; ++k) {
    xs[k].resize(sizes[k]);
    for (auto& v : xs[k]) {
      if (o.distinct) {
        const int m = static_cast<int>(gen.uniform(-20.0f, 20.0f));
        v = static_cast<float>(m * static_cast<int>(K) + static_cast<int>(k)) * o.grid;
      } else {
        v = gen.uniform(-1.0f, 1.0f);
      }
    }
  }
  std::vector<float> r(out_size);
  for (auto& v : r) v = gen.uniform(-1.0f, 1.0f);

  B layer;
  const std::size_t scratch_size = std::max(B::scratch_floats(batch), tshape::detail::backward_scratch_of<B>(batch)) + 1;
  std::vector<float> y(out_size), scratch(scratch_size);
  std::vector<float> saved(tshape::detail::saved_floats_of<B>(batch) + 1);
  auto loss = [&] {
    std::array<const float*, K> ptrs{};
    for (std::size_t k = 0; k < K; ++k) ptrs[k] = xs[k].data();
    layer.forward(ptrs.data(), y.data(), batch, scratch.data());
    double l = 0.0;
    for (std::size_t j = 0; j < out_size; ++j) l += static_cast<double>(r[j]) * y[j];
    return l;
  };

  loss();
  std::array<std::vector<float>, K> dx;
  std::array<float*, K> dptrs{};
  std::array<const float*, K> ptrs{};
  for (std::size_t k = 0; k < K; ++k) {
    dx[k].assign(sizes[k], 1e30f);
    dptrs[k] = dx[k].data();
    ptrs[k] = xs[k].data();
  }
  B grad;
  tshape::train_context ctx;
  layer.backward(ptrs.data(), y.data(), r.data(), dptrs.data(), batch, saved.data(), scratch.data(), grad, ctx);

  for (std::size_t k = 0; k < K; ++k)
    for (std::size_t i = 0; i < sizes[k]; ++i) {
      const float keep = xs[k][i];
      const float up_x = static_cast<float>(keep + o.eps), down_x = static_cast<float>(keep - o.eps);
      xs[k][i] = up_x;
      const double up = loss();
      xs[k][i] = down_x;
      const double down = loss();
      xs[k][i] = keep;
      const double numeric = (up - down) / (static_cast<double>(up_x) - down_x);
      const double analytic = dx[k][i];
      INFO("input " << k << " [" << i << "]: analytic " << analytic << ", numeric " << numeric);
      CHECK(std::fabs(analytic - numeric) <= o.tolerance * std::max({1.0, std::fabs(numeric), std::fabs(analytic)}));
    }

  // A null dx is skipped, and the others are the same as before.
  for (std::size_t skip = 0; skip < K; ++skip) {
    std::array<std::vector<float>, K> dx2;
    std::array<float*, K> d2{};
    for (std::size_t k = 0; k < K; ++k) {
      dx2[k].assign(sizes[k], 1e30f);
      d2[k] = k == skip ? nullptr : dx2[k].data();
    }
    layer.backward(ptrs.data(), y.data(), r.data(), d2.data(), batch, saved.data(), scratch.data(), grad, ctx);
    for (std::size_t k = 0; k < K; ++k)
      if (k != skip) CHECK(dx2[k] == dx[k]);
  }
}

}  // namespace tshape_test
