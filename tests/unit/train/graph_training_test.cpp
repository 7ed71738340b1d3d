// Training a functional model of several inputs and outputs: trainer.step(std::tie(x1, x2),
// std::tie(y1, y2)) with a loss per output and Keras' loss_weights. The gradients are checked
// against central differences of the weighted loss, through a merge, a shared tensor and an output
// that another layer also reads; the step's loss is the weighted sum of the outputs' losses.
#include <catch2/catch.hpp>
#include <tshape/tshape.hpp>

#include <cmath>
#include <tuple>
#include <vector>

#include "../../../examples/functional/two_inputs.hpp"

using namespace tshape;

namespace graph_training {
constexpr auto a = Input<4>{};
constexpr auto b = Input<3>{};
constexpr auto h = Dense<5, Tanh>{}(a);
constexpr auto g = Dense<5, Tanh>{}(b);
constexpr auto m = Add{}(h, g);
constexpr auto kind = Dense<3, Softmax>{}(m);                     // output 0, also read below
constexpr auto value = Dense<2>{}(Concatenate<>{}(m, kind));      // output 1
using Net = decltype(model(inputs(a, b), outputs(kind, value)));
// Two heads that nothing else reads: their cross-entropies take the cached logits, as in Keras.
constexpr auto alarm = Dense<1, Sigmoid>{}(m);
using Heads = decltype(model(inputs(a, b), outputs(kind, alarm)));
// Keras' Model([a, b], [kind, kind]) and Model([a, b], [kind, b]): a tensor listed twice (both losses
// read its values, their gradients add) and an Input given back as an output.
using Repeated = decltype(model(inputs(a, b), outputs(kind, kind)));
using PassedThrough = decltype(model(inputs(a, b), outputs(kind, b)));
}  // namespace graph_training

namespace {
template <class T, class S>
void fill_pattern(Tensor<T, S>& t, float scale, float shift) {
  for (std::ptrdiff_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<T>(std::sin(0.7f * static_cast<float>(i) + shift) * scale);
}
}  // namespace

namespace {
/// Checks every third weight's gradient of the step's weighted loss against central differences.
template <class Net, class Fn, class Y1>
void check_graph_gradients(const Fn& fn, const Y1& second_targets) {
  auto net = make_model<Net>(3);
  Tensor<float, Shape<6, 4>> xa;
  Tensor<float, Shape<6, 3>> xb;
  Tensor<int, Shape<6>> labels;
  fill_pattern(xa, 1.0f, 0.1f);
  fill_pattern(xb, 0.8f, 0.5f);
  for (int i = 0; i < 6; ++i) labels(i) = (i * 2) % 3;
  auto trainer = make_trainer(*net, fn, SGD{.learning_rate = 0.0f});

  const float total = trainer.step(std::tie(xa, xb), std::tie(labels, second_targets));
  REQUIRE(trainer.output_losses().size() == 2);
  CHECK(total == Approx(fn.weights[0] * trainer.output_losses()[0] + fn.weights[1] * trainer.output_losses()[1])
                     .epsilon(1e-6));
  // A zero learning rate leaves the weights as they were: the loss at inference is the same.
  CHECK(trainer.test_step(std::tie(xa, xb), std::tie(labels, second_targets)) == Approx(total).epsilon(1e-5));

  auto w = weights(*net);
  auto dw = weights(trainer.gradients());
  REQUIRE(w.size() == dw.size());
  int checked = 0;
  for (std::size_t k = 0; k < w.size(); ++k) {
    for (std::size_t i = 0; i < w[k].values.size(); i += 3) {
      float& v = w[k].values[i];
      const float keep = v;
      const float eps = 1e-2f;
      v = keep + eps;
      const double up = trainer.test_step(std::tie(xa, xb), std::tie(labels, second_targets));
      v = keep - eps;
      const double down = trainer.test_step(std::tie(xa, xb), std::tie(labels, second_targets));
      v = keep;
      const double numeric = (up - down) / (2.0 * eps);
      const double analytic = dw[k].values[i];
      INFO(std::string(w[k].name.view()) << "[" << i << "]: analytic " << analytic << ", numeric " << numeric);
      CHECK(std::fabs(analytic - numeric) <= 2e-3 * std::max({1.0, std::fabs(numeric), std::fabs(analytic)}));
      ++checked;
    }
  }
  CHECK(checked > 20);
}
}  // namespace

TEST_CASE("graph training: gradients of a weighted two-output loss match central differences", "[train][graph]") {
  // An output that another layer also reads (its loss on its values, its gradient from both).
  Tensor<float, Shape<6, 2>> targets;
  fill_pattern(targets, 0.5f, 1.3f);
  check_graph_gradients<graph_training::Net>(
      losses{SparseCategoricalCrossentropy{}, MeanSquaredError{}}.weighted({1.0f, 0.5f}), targets);
  // Two heads whose cross-entropies read the cached logits.
  Tensor<float, Shape<6, 1>> alarms;
  for (int i = 0; i < 6; ++i) alarms(i, 0) = i % 2 == 0 ? 1.0f : 0.0f;
  check_graph_gradients<graph_training::Heads>(
      losses{SparseCategoricalCrossentropy{}, BinaryCrossentropy{}}.weighted({0.7f, 1.5f}), alarms);
  // One tensor, two losses; and an Input as an output (its loss moves no weight).
  Tensor<int, Shape<6>> other_labels;
  for (int i = 0; i < 6; ++i) other_labels(i) = (i + 1) % 3;
  check_graph_gradients<graph_training::Repeated>(
      losses{SparseCategoricalCrossentropy{}, SparseCategoricalCrossentropy{}}.weighted({1.0f, 0.5f}), other_labels);
  Tensor<float, Shape<6, 3>> echo;
  fill_pattern(echo, 0.5f, 0.2f);
  check_graph_gradients<graph_training::PassedThrough>(losses{SparseCategoricalCrossentropy{}, MeanSquaredError{}}, echo);
}

TEST_CASE("graph training: the two-input, two-output example learns both heads", "[train][graph]") {
  using two_inputs::Net;
  auto net = make_model<Net>(1);
  Tensor<float, Shape<32, 8, 8, 1>> images;
  Tensor<float, Shape<32, 5>> meta;
  Tensor<float, Shape<32, 1>> alarm;
  Tensor<int, Shape<32>> kind;
  fill_pattern(images, 1.0f, 0.0f);
  fill_pattern(meta, 1.0f, 2.0f);
  for (int i = 0; i < 32; ++i) {
    alarm(i, 0) = meta(i, 0) > 0.0f ? 1.0f : 0.0f;  // learnable from the metadata
    kind(i) = meta(i, 1) > 0.3f ? 2 : (meta(i, 1) < -0.3f ? 0 : 1);
  }
  auto trainer = make_trainer(*net, losses{BinaryCrossentropy{}, SparseCategoricalCrossentropy{}}, Adam{.learning_rate = 0.01f});
  const float first = trainer.test_step(std::tie(images, meta), std::tie(alarm, kind));
  const std::array<float, 2> first_each{trainer.output_losses()[0], trainer.output_losses()[1]};
  for (int s = 0; s < 60; ++s) trainer.step(std::tie(images, meta), std::tie(alarm, kind));
  const float last = trainer.test_step(std::tie(images, meta), std::tie(alarm, kind));
  CHECK(last < 0.5f * first);
  CHECK(trainer.output_losses()[0] < first_each[0]);
  CHECK(trainer.output_losses()[1] < first_each[1]);
  CHECK(trainer.output<1>().size() == 32 * 3);
  // The same loss for every output, as Keras applies one loss to each output.
  auto same = make_trainer(*net, MeanSquaredError{}, SGD{});
  Tensor<float, Shape<32, 3>> one_hot;
  one_hot.fill(0.0f);
  CHECK(std::isfinite(same.test_step(std::tie(images, meta), std::tie(alarm, one_hot))));
}

TEST_CASE("graph training: data of another batch size is an error at run time", "[train][graph]") {
  using Net = graph_training::Net;
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 4>> xa(5);
  Tensor<float, Shape<dyn, 3>> xb(4);
  Tensor<int, Shape<dyn>> labels(5);
  Tensor<float, Shape<dyn, 2>> targets(5);
  auto trainer = make_trainer(*net, losses{SparseCategoricalCrossentropy{}, MeanSquaredError{}}, Adam{});
  CHECK_THROWS_WITH(trainer.step(std::tie(xa, xb), std::tie(labels, targets)), Catch::Contains("different numbers of samples"));
}

namespace {
struct two_input_data {
  Tensor<float, Shape<40, 8, 8, 1>> images;
  Tensor<float, Shape<40, 5>> meta;
  Tensor<float, Shape<40, 1>> alarm;
  Tensor<int, Shape<40>> kind;
  two_input_data() {
    fill_pattern(images, 1.0f, 0.0f);
    fill_pattern(meta, 1.0f, 2.0f);
    for (int i = 0; i < 40; ++i) {
      alarm(i, 0) = meta(i, 0) > 0.0f ? 1.0f : 0.0f;
      kind(i) = meta(i, 1) > 0.3f ? 2 : (meta(i, 1) < -0.3f ? 0 : 1);
    }
  }
};
}  // namespace

TEST_CASE("graph training: fit and evaluate on tuples, as Keras' fit([x1, x2], [y1, y2])", "[train][graph][fit]") {
  using two_inputs::Net;
  const two_input_data d;
  const auto loss = losses{BinaryCrossentropy{}, SparseCategoricalCrossentropy{}}.weighted({1.0f, 0.5f});

  SECTION("one epoch of one unshuffled batch is one step") {
    auto by_fit = make_model<Net>(4);
    auto by_step = make_model<Net>(4);
    auto t = make_trainer(*by_step, loss, SGD{.learning_rate = 0.1f});
    const float step_loss = t.step(std::tie(d.images, d.meta), std::tie(d.alarm, d.kind));
    const auto h = fit(by_fit, std::tie(d.images, d.meta), std::tie(d.alarm, d.kind), loss, SGD{.learning_rate = 0.1f},
                       {.epochs = 1, .batch_size = 40, .verbose = 0, .shuffle = false});
    CHECK(h["loss"].back() == Approx(step_loss).epsilon(1e-5));
    // Keras' keys: the total, then each output's loss under its layer's name.
    CHECK(h["dense_2_loss"].back() == Approx(t.output_losses()[0]).epsilon(1e-5));
    CHECK(h["dense_3_loss"].back() == Approx(t.output_losses()[1]).epsilon(1e-5));
    const auto a = weights(*by_fit), b = weights(*by_step);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      for (std::size_t j = 0; j < a[i].values.size(); ++j) REQUIRE(a[i].values[j] == Approx(b[i].values[j]).margin(1e-6));
  }

  SECTION("shuffled batches, a validation split, metrics on each output; evaluate agrees with a test step") {
    auto net = make_model<Net>(1);
    auto t = make_trainer(*net, loss, Adam{.learning_rate = 0.01f});
    const float before = t.test_step(std::tie(d.images, d.meta), std::tie(d.alarm, d.kind));
    const auto h = fit(t, std::tie(d.images, d.meta), std::tie(d.alarm, d.kind),
                       {.epochs = 30, .batch_size = 8, .validation_split = 0.25, .verbose = 0, .seed = 3},
                       metrics<Accuracy>);
    REQUIRE(h.epochs() == 30);
    const std::vector<std::string> keys{"loss", "dense_2_loss", "dense_3_loss", "dense_2_accuracy", "dense_3_accuracy",
                                        "val_loss", "val_dense_2_loss", "val_dense_3_loss", "val_dense_2_accuracy",
                                        "val_dense_3_accuracy"};
    for (const auto& k : keys) CHECK(h.contains(k));
    CHECK(h["loss"].back() < 0.6 * h["loss"].front());
    const float after = t.test_step(std::tie(d.images, d.meta), std::tie(d.alarm, d.kind));
    CHECK(after < before);

    // evaluate: {loss, each output's loss, each metric on each output}, Keras' list order.
    const auto r = evaluate(net, std::tie(d.images, d.meta), std::tie(d.alarm, d.kind), loss,
                            {.batch_size = 7}, metrics<Accuracy>);
    STATIC_REQUIRE(std::tuple_size_v<decltype(r)> == 5);
    CHECK(r[0] == Approx(after).epsilon(1e-4));
    CHECK(r[1] == Approx(t.output_losses()[0]).epsilon(1e-4));
    CHECK(r[2] == Approx(t.output_losses()[1]).epsilon(1e-4));
    CHECK(r[0] == Approx(r[1] + 0.5 * r[2]).epsilon(1e-4));
    CHECK(r[3] >= 0.5);  // the alarm follows the metadata's sign
    // With the trainer's model and losses, and on validation_data given as tuples.
    const auto r2 = evaluate(t, std::tie(d.images, d.meta), std::tie(d.alarm, d.kind));
    CHECK(r2[0] == Approx(r[0]).epsilon(1e-5));
    const auto hv = fit(t, std::tie(d.images, d.meta), std::tie(d.alarm, d.kind), {.epochs = 1, .verbose = 0},
                        validation_data(std::tie(d.images, d.meta), std::tie(d.alarm, d.kind)));
    CHECK(hv.contains("val_dense_3_loss"));
  }

  SECTION("samples that disagree are refused at the boundary, before any step") {
    auto net = make_model<Net>(1);
    Tensor<float, Shape<dyn, 1>> fewer(39);
    auto t = make_trainer(*net, loss, SGD{});
    const auto w = weights(*net);
    CHECK_THROWS_WITH(fit(t, std::tie(d.images, d.meta), std::tie(fewer, d.kind), {.verbose = 0}),
                      Catch::Contains("40 samples, the targets 39"));
    CHECK(weights(*net)[0].values[0] == w[0].values[0]);
  }
}

namespace graph_training_one_input {
// A residual block of one Input and one output: predict and evaluate take it as they take a Sequential
// (the batches go through the model's call, whose result is copied out).
constexpr auto x = Input<6>{};
constexpr auto h = Dense<6, Tanh>{}(x);
constexpr auto r = Add{}(x, Dense<6>{}(h));
constexpr auto p = Dense<3, Softmax>{}(r);
using Net = decltype(model(x, p));

TEST_CASE("graph training: predict and evaluate on a one-input functional model, in batches", "[train][graph][fit]") {
  auto net = make_model<Net>(5);
  Tensor<float, Shape<dyn, 6>> data(23);
  Tensor<int, Shape<dyn>> labels(23);
  for (int i = 0; i < 23; ++i) {
    labels(i) = i % 3;
    for (int j = 0; j < 6; ++j) data(i, j) = std::sin(0.7f * static_cast<float>(i) + static_cast<float>(j));
  }
  const auto whole = (*net)(data);
  const auto batched = predict(*net, data, 5);  // 5 batches, the last of 3
  REQUIRE(batched.extent(0) == 23);
  for (int i = 0; i < 23; ++i)
    for (int k = 0; k < 3; ++k) REQUIRE(batched(i, k) == Approx(whole(i, k)).margin(1e-6));

  double expected = 0;
  int right = 0;
  for (int i = 0; i < 23; ++i) {
    expected -= std::log(static_cast<double>(whole(i, labels(i))));
    int best = 0;
    for (int k = 1; k < 3; ++k)
      if (whole(i, k) > whole(i, best)) best = k;
    right += best == labels(i);
  }
  const auto [loss, accuracy] = evaluate(*net, data, labels, SparseCategoricalCrossentropy{}, {.batch_size = 4},
                                         metrics<SparseCategoricalAccuracy>);
  CHECK(loss == Approx(expected / 23).epsilon(1e-5));
  CHECK(accuracy == Approx(right / 23.0).epsilon(1e-6));
}
}  // namespace graph_training_one_input

TEST_CASE("graph training: one Input or one output given alone, as Keras' train_on_batch(x, [y1, y2])", "[train][graph]") {
  constexpr auto x = Input<4>{};
  constexpr auto h = Dense<6, Tanh>{}(x);
  using OneIn = decltype(model(x, outputs(Dense<3, Softmax>{}(h), Dense<2>{}(h))));
  constexpr auto b = Input<3>{};
  using OneOut = decltype(model(inputs(x, b), Dense<2>{}(Concatenate<>{}(h, Dense<6>{}(b)))));
  Tensor<float, Shape<6, 4>> xa;
  Tensor<float, Shape<6, 3>> xb;
  Tensor<int, Shape<6>> labels;
  Tensor<float, Shape<6, 2>> values;
  fill_pattern(xa, 1.0f, 0.1f);
  fill_pattern(xb, 0.8f, 0.5f);
  fill_pattern(values, 0.5f, 1.3f);
  for (int i = 0; i < 6; ++i) labels(i) = i % 3;

  auto a = make_model<OneIn>(7), c = make_model<OneIn>(7);
  auto ta = make_trainer(*a, losses{SparseCategoricalCrossentropy{}, MeanSquaredError{}}, SGD{.learning_rate = 0.1f});
  auto tc = make_trainer(*c, losses{SparseCategoricalCrossentropy{}, MeanSquaredError{}}, SGD{.learning_rate = 0.1f});
  CHECK(ta.step(xa, std::tie(labels, values)) == tc.step(std::tie(xa), std::tie(labels, values)));
  CHECK(ta.test_step(xa, std::tie(labels, values)) == tc.test_step(std::tie(xa), std::tie(labels, values)));

  auto d = make_model<OneOut>(8), e = make_model<OneOut>(8);
  auto td = make_trainer(*d, MeanSquaredError{}, SGD{.learning_rate = 0.1f});
  auto te = make_trainer(*e, MeanSquaredError{}, SGD{.learning_rate = 0.1f});
  CHECK(td.step(std::tie(xa, xb), values) == te.step(std::tie(xa, xb), std::tie(values)));
  CHECK(td.test_step(std::tie(xa, xb), values) == te.test_step(std::tie(xa, xb), std::tie(values)));
}
