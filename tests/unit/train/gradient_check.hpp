// Finite-difference checks of a model's backward pass, shared by the training tests.
//
// The scalar checked is L = sum_j r_j y_j for a fixed random r, so dL/dy = r exactly; backward()
// gives dL/dx and dL/dweights, and central differences of L (accumulated in double, the model's
// forward_train run afresh for each) give the same numbers to float precision. Each forward_train
// starts from the same dropout seed, so the masks are the same in every evaluation.
#pragma once
#include <tshape/train/trainer.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "../support.hpp"

namespace tshape_test {

struct gradient_check_options {
  double eps = 1e-2;       // the step of the central difference
  double tolerance = 2e-3; // |analytic - numeric| <= tolerance * max(1, |numeric|, |analytic|)
  int per_array = 24;      // elements checked per weight array (all when smaller)
  bool check_input = true;
  std::uint64_t seed = 7;
};

template <class Net>
class gradient_checker {
 public:
  gradient_checker(Net& net, int batch) : net_(net), batch_(batch) {
    saved_.resize(Net::saved_floats(batch) + 16);
    scratch_.resize(std::max(Net::arena_floats(batch), Net::backward_scratch_floats(batch)) + 16);
    out_.resize(static_cast<std::size_t>(batch) * tshape::detail::sample_size<typename Net::output_shape>);
  }

  /// L = sum r_j y_j at x (batch x input floats), in training mode.
  double loss(const std::vector<float>& x, const std::vector<float>& r) {
    tshape::detail::rng dropout(options.seed);
    tshape::train_context ctx;
    ctx.rng = &dropout;
    net_.forward_train(x.data(), out_.data(), batch_, saved_.data(), scratch_.data(), ctx);
    double l = 0.0;
    for (std::size_t j = 0; j < out_.size(); ++j) l += static_cast<double>(r[j]) * out_[j];
    return l;
  }

  /// Checks dL/dweights and dL/dx of the model at x against central differences.
  void run(std::vector<float> x) {
    tshape::detail::rng gen(options.seed + 1);
    std::vector<float> r(out_.size());
    for (auto& v : r) v = gen.uniform(-1.0f, 1.0f);
    auto grads = std::make_unique<Net>();
    tshape::for_each_weight(*grads, [](const tshape::weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });
    std::vector<float> dx(x.size());
    loss(x, r);
    tshape::detail::rng dropout(options.seed);
    tshape::train_context ctx;
    ctx.rng = &dropout;
    net_.backward(x.data(), out_.data(), r.data(), dx.data(), batch_, saved_.data(), scratch_.data(), *grads, ctx);

    std::vector<tshape::weight_ref> ws, gs;
    tshape::for_each_weight(net_, [&](const tshape::weight_ref& w) { ws.push_back(w); });
    tshape::for_each_weight(*grads, [&](const tshape::weight_ref& w) { gs.push_back(w); });
    REQUIRE(ws.size() == gs.size());
    for (std::size_t a = 0; a < ws.size(); ++a) {
      const std::string name(ws[a].name.view());
      // Non-trainable arrays (BatchNormalization's moving statistics) get no gradient.
      if (name.find("moving_") != std::string::npos) continue;
      const auto n = ws[a].values.size();
      for (std::size_t k = 0; k < n; k += std::max<std::size_t>(1, n / static_cast<std::size_t>(options.per_array))) {
        float& w = ws[a].values[k];
        const float keep = w;
        w = static_cast<float>(keep + options.eps);
        const double up = loss(x, r);
        w = static_cast<float>(keep - options.eps);
        const double down = loss(x, r);
        w = keep;
        const double numeric = (up - down) / (2 * options.eps);
        const double analytic = gs[a].values[k];
        INFO(name << "[" << k << "]: analytic " << analytic << ", numeric " << numeric);
        CHECK(std::fabs(analytic - numeric) <= options.tolerance * std::max({1.0, std::fabs(numeric), std::fabs(analytic)}));
      }
    }
    if (options.check_input) {
      const auto n = x.size();
      for (std::size_t k = 0; k < n; k += std::max<std::size_t>(1, n / static_cast<std::size_t>(options.per_array))) {
        const float keep = x[k];
        x[k] = static_cast<float>(keep + options.eps);
        const double up = loss(x, r);
        x[k] = static_cast<float>(keep - options.eps);
        const double down = loss(x, r);
        x[k] = keep;
        const double numeric = (up - down) / (2 * options.eps);
        INFO("dx[" << k << "]: analytic " << dx[k] << ", numeric " << numeric);
        CHECK(std::fabs(dx[k] - numeric) <= options.tolerance * std::max({1.0, std::fabs(numeric), std::fabs(static_cast<double>(dx[k]))}));
      }
    }
  }

  gradient_check_options options;

 private:
  Net& net_;
  int batch_;
  std::vector<float> saved_, scratch_, out_;
};

/// Checks model Net, initialized from `seed`, on `batch` random samples in [lo, hi).
template <class Net>
void check_gradients(int batch, gradient_check_options options = {}, float lo = -1.0f, float hi = 1.0f) {
  auto net = std::make_unique<Net>();
  tshape::initialize(*net, options.seed);
  // Keras' zero biases make every kink sit at 0: small random ones move the checks off them.
  tshape::detail::rng gen(options.seed + 2);
  tshape::for_each_weight(*net, [&](const tshape::weight_ref& w) {
    const std::string name(w.name.view());
    if (name.find("bias") != std::string::npos || name.find("beta") != std::string::npos)
      for (auto& v : w.values) v = gen.uniform(-0.2f, 0.2f);
  });
  std::vector<float> x(static_cast<std::size_t>(batch) * tshape::detail::sample_size<typename Net::input_shape>);
  for (auto& v : x) v = gen.uniform(lo, hi);
  gradient_checker<Net> checker(*net, batch);
  checker.options = options;
  checker.run(std::move(x));
}

}  // namespace tshape_test
