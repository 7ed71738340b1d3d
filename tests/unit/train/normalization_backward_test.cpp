// BatchNormalization, Dropout, Permute and RepeatVector in training: backward against finite
// differences, BatchNormalization's moving statistics against Keras 2's update, a frozen
// BatchNormalization at inference, and dropout's masks.
#include <tshape/tshape.hpp>

#include <cmath>
#include <limits>

#include <vector>

#include "gradient_check.hpp"

using namespace tshape;
using tshape_test::check_gradients;

TEST_CASE("backward: BatchNormalization with batch statistics matches finite differences", "[train][backward]") {
  check_gradients<Sequential<Input<5>, Dense<4>, BatchNormalization, Dense<3, Tanh>>>(6);
  check_gradients<Sequential<Input<3>, BatchNormalization>>(2);
  // A rank-3 sample (as after Conv2D): statistics over the batch and both spatial axes.
  check_gradients<Sequential<Input<4, 3, 5>, BatchNormalization, Flatten, Dense<2>>>(2);
  check_gradients<Sequential<Input<4, 3, 5>, BatchNormalization, Dense<3, Tanh>, BatchNormalization>>(1);
}

TEST_CASE("backward: Dropout, Permute and RepeatVector match finite differences", "[train][backward]") {
  check_gradients<Sequential<Input<6>, Dense<8, Tanh>, Dropout<Rate<1, 3>>, Dense<3>>>(4);
  check_gradients<Sequential<Input<7>, Dropout<Rate<1, 2>>>>(3);
  check_gradients<Sequential<Input<2, 3, 4>, Permute<3, 1, 2>, Dense<5, Tanh>, Permute<2, 3, 1>, Flatten, Dense<2>>>(2);
  check_gradients<Sequential<Input<3, 4>, Permute<2, 1>>>(2);
  check_gradients<Sequential<Input<4>, Dense<3, Tanh>, RepeatVector<5>, Dense<2>>>(3);
}

namespace {

template <class B>
struct bn_case {
  static constexpr int C = last_extent_v<typename B::input_shape>;
  static constexpr int per_sample = static_cast<int>(detail::sample_size<typename B::input_shape>) / C;

  B bn{};
  int batch;
  std::vector<float> x, y, saved, scratch;

  explicit bn_case(int b) : batch(b) {
    tshape_test::random_floats gen(5);
    const auto n = static_cast<std::size_t>(batch) * detail::sample_size<typename B::input_shape>;
    x.resize(n);
    y.resize(n);
    gen.fill(x, -2.0f, 3.0f);
    gen.fill(bn.gamma(), 0.5f, 1.5f);
    gen.fill(bn.beta(), -0.5f, 0.5f);
    gen.fill(bn.moving_mean(), -0.3f, 0.3f);
    gen.fill(bn.moving_variance(), 0.5f, 2.0f);
    saved.resize(B::saved_floats(batch));
    scratch.resize(std::max(B::scratch_floats(batch), B::backward_scratch_floats(batch)));
  }
  void forward_train(const train_context& ctx) { bn.forward_train(x.data(), y.data(), batch, saved.data(), scratch.data(), ctx); }
  /// The batch's mean and biased variance of channel c, in double.
  std::pair<double, double> moments(int c) const {
    const int rows = batch * per_sample;
    double m = 0.0, v = 0.0;
    for (int r = 0; r < rows; ++r) m += x[static_cast<std::size_t>(r * C + c)];
    m /= rows;
    for (int r = 0; r < rows; ++r) v += (x[static_cast<std::size_t>(r * C + c)] - m) * (x[static_cast<std::size_t>(r * C + c)] - m);
    return {m, v / rows};
  }
};

/// One forward_train: the output normalized by the batch's statistics, the moving ones moved by 1%
/// towards them (the variance unbiased when Keras 2 fuses, i.e. for rank-3 samples).
template <class B>
void check_moving_statistics(int batch, double momentum = 0.99, double epsilon = 1e-3) {
  bn_case<B> t(batch);
  std::vector<float> mean0(t.bn.moving_mean().begin(), t.bn.moving_mean().end());
  std::vector<float> var0(t.bn.moving_variance().begin(), t.bn.moving_variance().end());
  train_context ctx;
  t.forward_train(ctx);
  const int rows = batch * bn_case<B>::per_sample;
  const double unbiased = B::input_shape::rank == 3 ? static_cast<double>(rows) / std::max(rows - 1, 1) : 1.0;
  for (int c = 0; c < bn_case<B>::C; ++c) {
    const auto [m, v] = t.moments(c);
    INFO("channel " << c);
    CHECK(t.bn.moving_mean()[c] ==
          Approx(mean0[static_cast<std::size_t>(c)] * momentum + m * (1 - momentum)).epsilon(1e-5).margin(1e-6));
    CHECK(t.bn.moving_variance()[c] ==
          Approx(var0[static_cast<std::size_t>(c)] * momentum + v * unbiased * (1 - momentum)).epsilon(1e-5));
    for (int r = 0; r < rows; ++r) {
      const auto k = static_cast<std::size_t>(r * bn_case<B>::C + c);
      const double expected = t.bn.gamma()[c] * (t.x[k] - m) / std::sqrt(v + epsilon) + t.bn.beta()[c];
      CHECK(t.y[k] == Approx(expected).epsilon(1e-5).margin(1e-5));
    }
  }
}

}  // namespace

TEST_CASE("BatchNormalization: one training pass moves the moving statistics as Keras 2", "[train][batch_normalization]") {
  check_moving_statistics<BatchNormalization::bind<Shape<5>>>(7);           // plain path: biased variance
  check_moving_statistics<BatchNormalization::bind<Shape<6, 4>>>(3);        // plain path (rank-3 batch)
  check_moving_statistics<BatchNormalization::bind<Shape<4, 3, 5>>>(2);     // fused path: unbiased variance
  check_moving_statistics<BatchNormalization::bind<Shape<1, 1, 3>>>(1);     // one value per channel: n / max(n - 1, 1)
}

TEST_CASE("BatchNormalization::with<Momentum, Epsilon>: Keras' momentum and epsilon arguments", "[train][batch_normalization]") {
  // Keras' BatchNormalization(momentum=0.9, epsilon=1e-5), PyTorch's defaults in Keras' terms.
  using Spec = BatchNormalization::with<Momentum<9, 10>, Epsilon<1, 100000>>;
  static_assert(Spec::momentum == 0.9f && Spec::epsilon == 1e-5f);
  static_assert(BatchNormalization::with<Epsilon<1, 100>>::momentum == 0.99f);  // the other keeps its default
  check_moving_statistics<Spec::bind<Shape<5>>>(7, 0.9, 1e-5);
  check_moving_statistics<Spec::bind<Shape<4, 3, 5>>>(2, 0.9, 1e-5);
  check_moving_statistics<BatchNormalization::with<Momentum<0>>::bind<Shape<6, 4>>>(3, 0.0);  // moving = the batch's
}

TEST_CASE("BatchNormalization: a frozen layer, or training off, uses and keeps the moving statistics",
          "[train][batch_normalization]") {
  using B = BatchNormalization::bind<Shape<3, 4>>;
  for (const bool frozen : {true, false}) {
    bn_case<B> t(5);
    std::vector<float> mean0(t.bn.moving_mean().begin(), t.bn.moving_mean().end());
    std::vector<float> var0(t.bn.moving_variance().begin(), t.bn.moving_variance().end());
    std::vector<float> inference(t.y.size());
    t.bn.forward(t.x.data(), inference.data(), t.batch, t.scratch.data());
    train_context ctx;
    if (frozen)
      ctx.trainable = false;
    else
      ctx.training = false;
    t.forward_train(ctx);
    CHECK(t.y == inference);
    CHECK(std::vector<float>(t.bn.moving_mean().begin(), t.bn.moving_mean().end()) == mean0);
    CHECK(std::vector<float>(t.bn.moving_variance().begin(), t.bn.moving_variance().end()) == var0);

    // backward: the inference derivative dy * gamma / sqrt(moving_variance + eps); no weight gradient when frozen.
    B grad{};
    grad.gamma().fill(0.0f);
    grad.beta().fill(0.0f);
    std::vector<float> dy(t.y.size()), dx(t.y.size());
    tshape_test::random_floats gen(9);
    gen.fill(dy);
    t.bn.backward(t.x.data(), t.y.data(), dy.data(), dx.data(), t.batch, t.saved.data(), t.scratch.data(), grad, ctx);
    for (std::size_t k = 0; k < dx.size(); ++k) {
      const int c = static_cast<int>(k % 4);
      CHECK(dx[k] == Approx(dy[k] * t.bn.gamma()[c] / std::sqrt(var0[static_cast<std::size_t>(c)] + 1e-3)).epsilon(1e-5).margin(1e-6));
    }
    for (int c = 0; c < 4; ++c) {
      double dbeta = 0.0;
      for (std::size_t k = static_cast<std::size_t>(c); k < dy.size(); k += 4) dbeta += dy[k];
      CHECK(grad.beta()[c] == (frozen ? Approx(0.0) : Approx(dbeta).epsilon(1e-5).margin(1e-5)));
      if (frozen) CHECK(grad.gamma()[c] == 0.0f);
    }
  }
}

TEST_CASE("BatchNormalization: a train step updates gamma and beta, the moving statistics only by momentum",
          "[train][batch_normalization]") {
  using Net = Sequential<Input<3>, BatchNormalization>;
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 3>> x{1.0f, 2.0f, 3.0f, -1.0f, 0.0f, 5.0f, 2.0f, 2.0f, 1.0f, 0.0f, 4.0f, -3.0f};
  Tensor<float, Shape<4, 3>> target{};
  auto trainer = make_trainer(net, MeanSquaredError{}, SGD{0.1f});
  trainer.step(x, target);
  const float mean[3] = {0.5f, 2.0f, 1.5f};
  for (int c = 0; c < 3; ++c) CHECK(layer<0>(net).moving_mean()[c] == Approx(0.01 * mean[c]));
  CHECK(layer<0>(net).moving_variance()[0] == Approx(0.99 + 0.01 * 1.25));
  // MSE to zero of a normalized batch: beta's gradient is 2 * mean(y) / 3 = 2 * beta / 3 = 0, gamma's positive.
  CHECK(layer<0>(net).beta()[0] == Approx(0.0).margin(1e-6));
  CHECK(layer<0>(net).gamma()[0] < 1.0f);
  // A frozen layer keeps every array.
  auto frozen = make_model<Net>();
  auto t2 = make_trainer(frozen, MeanSquaredError{}, SGD{0.1f});
  t2.set_trainable(0, false);
  t2.step(x, target);
  for (int c = 0; c < 3; ++c) {
    CHECK(layer<0>(frozen).moving_mean()[c] == 0.0f);
    CHECK(layer<0>(frozen).moving_variance()[c] == 1.0f);
    CHECK(layer<0>(frozen).gamma()[c] == 1.0f);
    CHECK(layer<0>(frozen).beta()[c] == 0.0f);
  }
}

// Dropout's bound layer adds a training pass to the identity; a stream still runs it as the identity.
static_assert(detail::is_identity<Dropout<Rate<1, 2>>::bind<Shape<4>>>::value);
static_assert(!detail::is_identity<Permute<2, 1>::bind<Shape<3, 4>>>::value);

TEST_CASE("Dropout: keeps about 1 - rate of the elements, scaled by 1 / (1 - rate), reproducibly", "[train][dropout]") {
  using D = Dropout<Rate<1, 4>>::bind<Shape<500>>;
  constexpr int batch = 20;
  constexpr std::size_t n = 500 * batch;
  D d;
  std::vector<float> x(n), y(n), saved(D::saved_floats(batch)), y2(n);
  tshape_test::random_floats gen(3);
  gen.fill(x, 0.5f, 1.5f);  // never 0, so that a dropped element is told from a kept one
  detail::rng r1(42);
  train_context ctx;
  ctx.rng = &r1;
  d.forward_train(x.data(), y.data(), batch, saved.data(), nullptr, ctx);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (y[i] != 0.0f) {
      ++kept;
      CHECK(y[i] == x[i] * (4.0f / 3.0f));
    }
  }
  CHECK(static_cast<double>(kept) / n == Approx(0.75).margin(0.015));

  // The same seed, the same mask; another seed, another.
  detail::rng r2(42);
  ctx.rng = &r2;
  d.forward_train(x.data(), y2.data(), batch, saved.data(), nullptr, ctx);
  CHECK(y2 == y);
  detail::rng r3(43);
  ctx.rng = &r3;
  d.forward_train(x.data(), y2.data(), batch, saved.data(), nullptr, ctx);
  CHECK(y2 != y);

  // backward applies the mask of the last forward_train.
  std::vector<float> dy(n, 1.0f), dx(n);
  D grad;
  d.backward(x.data(), y2.data(), dy.data(), dx.data(), batch, saved.data(), nullptr, grad, ctx);
  for (std::size_t i = 0; i < n; ++i) CHECK(dx[i] == (y2[i] != 0.0f ? 4.0f / 3.0f : 0.0f));

  // Training off, and inference: the identity.
  ctx.training = false;
  d.forward_train(x.data(), y2.data(), batch, saved.data(), nullptr, ctx);
  CHECK(y2 == x);
  d.backward(x.data(), y2.data(), dy.data(), dx.data(), batch, saved.data(), nullptr, grad, ctx);
  CHECK(dx == dy);
  d.forward(x.data(), y2.data(), batch, nullptr);
  CHECK(y2 == x);

  // A training pass without a generator is an error, not a silent fixed mask.
  ctx.training = true;
  ctx.rng = nullptr;
  CHECK_THROWS(d.forward_train(x.data(), y2.data(), batch, saved.data(), nullptr, ctx));
}

TEST_CASE("training: a batch whose loss is not finite leaves the model as it was, moving statistics included",
          "[train][normalization]") {
  using Net = tshape::Sequential<tshape::Input<4>, tshape::Dense<5>, tshape::BatchNormalization, tshape::Dense<2>>;
  auto net = tshape::make_model<Net>(1);
  auto trainer = tshape::make_trainer(net, tshape::MeanSquaredError{}, tshape::SGD{});
  tshape::Tensor<float, tshape::Shape<3, 4>> x{1, 2, 3, 4, 0.5f, 0.1f, -1, 2, 3, 3, 1, 0};
  tshape::Tensor<float, tshape::Shape<3, 2>> y{1, 0, 0, 1, 1, 1};
  trainer.step(x, y);
  const auto before = tshape::flat_weights(net);
  x(1, 2) = std::numeric_limits<float>::quiet_NaN();
  CHECK_FALSE(std::isfinite(trainer.step(x, y)));
  CHECK(tshape::flat_weights(net) == before);
}
