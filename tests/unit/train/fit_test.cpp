// fit, evaluate and predict against hand-written loops over the trainer's step; the progress text,
// the callbacks and the learning-rate schedules against Keras' rules.
#include <tshape/tshape.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape;

// Every allocation of this program is counted, to show that a batch of fit allocates nothing.
// ThreadSanitizer's runtime brings its own operator new and delete, which cannot be replaced: the
// count (and the test that reads it) is left out of that build.
#if defined(__SANITIZE_THREAD__)
#define TSHAPE_TEST_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TSHAPE_TEST_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef TSHAPE_TEST_COUNTS_ALLOCATIONS
#define TSHAPE_TEST_COUNTS_ALLOCATIONS 1
#endif

#if TSHAPE_TEST_COUNTS_ALLOCATIONS
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // free() in the replaced operator delete, inlined
#endif
static long long allocations = 0;
void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  ++allocations;
  const auto align = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
// The nothrow forms too (Catch2 uses one): with them left to the runtime, a block it allocated would be
// freed here, which AddressSanitizer reports as a mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(n ? n : 1);
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  ++allocations;
  const auto align = static_cast<std::size_t>(a);
  return std::aligned_alloc(align, (n + align - 1) / align * align);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#endif

namespace {

using Net = Sequential<Input<4>, Dense<8, ReLU>, Dense<3, Softmax>>;

/// n samples of 4 features; the class is the largest of three linear scores (learnable, not trivial).
struct toy_data {
  Tensor<float, Shape<dyn, 4>> x;
  Tensor<int, Shape<dyn>> y;
  explicit toy_data(int n, std::uint64_t seed = 7) : x(n), y(n) {
    tshape_test::random_floats r(seed);
    r.fill(x);
    for (int i = 0; i < n; ++i) {
      const float s0 = x(i, 0) + x(i, 1), s1 = x(i, 2) - x(i, 0), s2 = x(i, 3) - x(i, 1);
      y(i) = s0 > s1 && s0 > s2 ? 0 : (s1 > s2 ? 1 : 2);
    }
  }
};

template <class M>
std::vector<float> weights_of(model_ptr<M>& net) {
  return flat_weights(net);
}

/// The text written to a temporary file by f(FILE*).
template <class F>
std::string captured(F&& f) {
  std::FILE* file = std::tmpfile();
  REQUIRE(file);
  f(file);
  std::fflush(file);
  std::rewind(file);
  std::string text;
  for (int c; (c = std::fgetc(file)) != EOF;) text += static_cast<char>(c);
  std::fclose(file);
  return text;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tshape_fit_test_" + name)).string();
}

/// Records what callbacks can see, at each hook.
struct recorder {
  std::vector<std::vector<float>> epoch_weights;
  std::vector<std::vector<float>> batch_weights;
  std::vector<float> batch_lr;
  std::vector<long long> batch_iterations;
  void epoch_end(int, Logs&, fit_context& ctx) { epoch_weights.push_back(ctx.get_weights()); }
  void batch_begin(int, fit_context& ctx) {
    batch_lr.push_back(ctx.learning_rate());
    batch_iterations.push_back(ctx.iterations());
  }
  void batch_end(int, const Logs&, fit_context& ctx) { batch_weights.push_back(ctx.get_weights()); }
};

/// The index of the largest value of row r of a (n, 3) prediction.
template <class P>
int argmax3(const P& p, int r) {
  int best = 0;
  for (int c = 1; c < 3; ++c)
    if (p(r, c) > p(r, best)) best = c;
  return best;
}

}  // namespace

TEST_CASE("fit: history keys in Keras' order, values those of a loop over the trainer's step", "[train][fit]") {
  const toy_data d(40);
  auto net = make_model<Net>(3);
  const auto h = fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.1f},
                     {.epochs = 3, .batch_size = 8, .validation_split = 0.25, .verbose = 0, .shuffle = false},
                     metrics<SparseCategoricalAccuracy>);
  CHECK(h.keys == std::vector<std::string>{"loss", "sparse_categorical_accuracy", "val_loss", "val_sparse_categorical_accuracy"});
  CHECK(h.epoch == std::vector<int>{0, 1, 2});
  CHECK(h.epochs() == 3);
  CHECK(h["loss"].size() == 3);

  // The same by hand: 30 training samples in batches of 8, 8, 8, 6; the last 10 to validate.
  auto ref = make_model<Net>(3);
  auto t = make_trainer(ref, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.1f});
  for (int epoch = 0; epoch < 3; ++epoch) {
    double loss = 0, hits = 0;
    for (int start = 0; start < 30; start += 8) {
      const int count = std::min(8, 30 - start);
      TensorView<const float, Shape<dyn, 4>> xb(d.x.data() + start * 4, {count});
      TensorView<const int, Shape<dyn>> yb(d.y.data() + start, {count});
      loss += t.step(xb, yb) * double(count);
      TensorView<const float, Shape<dyn, 3>> p(t.output().data(), {count});
      for (int i = 0; i < count; ++i) hits += argmax3(p, i) == yb(i);
    }
    TensorView<const float, Shape<dyn, 4>> xv(d.x.data() + 30 * 4, {10});
    TensorView<const int, Shape<dyn>> yv(d.y.data() + 30, {10});
    const double val_loss = t.test_step(xv, yv);
    TensorView<const float, Shape<dyn, 3>> p(t.output().data(), {10});
    double val_hits = 0;
    for (int i = 0; i < 10; ++i) val_hits += argmax3(p, i) == yv(i);
    CHECK(h["loss"][epoch] == Approx(loss / 30).epsilon(1e-6));
    CHECK(h["sparse_categorical_accuracy"][epoch] == Approx(hits / 30));
    CHECK(h["val_loss"][epoch] == Approx(val_loss).epsilon(1e-6));
    CHECK(h["val_sparse_categorical_accuracy"][epoch] == Approx(val_hits / 10));
  }
  CHECK(weights_of(net) == weights_of(ref));
  CHECK_THROWS_WITH(h["val_acc"], Catch::Contains("the history has no value named \"val_acc\""));
}

TEST_CASE("fit: validation_split takes the last fraction of the samples, before shuffling", "[train][fit]") {
  const toy_data d(40);
  auto net = make_model<Net>(1);
  int batches = 0;
  const auto h = fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, Adam{},
                     {.epochs = 1, .batch_size = 8, .validation_split = 0.25, .verbose = 0, .seed = 5},
                     LambdaCallback{.on_batch_end = [&](int, const Logs&) { ++batches; }});
  CHECK(batches == 4);  // 30 samples to train on, in batches of 8
  TensorView<const float, Shape<dyn, 4>> x_last(d.x.data() + 30 * 4, {10});
  TensorView<const int, Shape<dyn>> y_last(d.y.data() + 30, {10});
  TensorView<const float, Shape<dyn, 4>> x_first(d.x.data(), {10});
  TensorView<const int, Shape<dyn>> y_first(d.y.data(), {10});
  const auto [last_loss] = evaluate(net, x_last, y_last, SparseCategoricalCrossentropy{});
  const auto [first_loss] = evaluate(net, x_first, y_first, SparseCategoricalCrossentropy{});
  CHECK(h["val_loss"][0] == Approx(last_loss).epsilon(1e-6));
  CHECK(h["val_loss"][0] != Approx(first_loss).epsilon(1e-6));

  // validation_data instead: the loss on exactly those samples.
  const auto h2 = fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, Adam{}, {.epochs = 1, .verbose = 0},
                      validation_data(x_first, y_first), metrics<Accuracy>);
  CHECK(h2.keys == std::vector<std::string>{"loss", "accuracy", "val_loss", "val_accuracy"});
  const auto [v_loss, v_acc] = evaluate(net, x_first, y_first, SparseCategoricalCrossentropy{}, metrics<Accuracy>);
  CHECK(h2["val_loss"][0] == Approx(v_loss).epsilon(1e-6));
  CHECK(h2["val_accuracy"][0] == Approx(v_acc));

  CHECK_THROWS_WITH((fit(net, x_first, y_first, SparseCategoricalCrossentropy{}, Adam{},
                         {.validation_split = 0.95, .verbose = 0})),
                    Catch::Contains("training data contains 10 samples, which is not sufficient to split it"));
}

TEST_CASE("fit: static batches train as dyn ones do", "[train][fit]") {
  const toy_data d(24);
  Tensor<float, Shape<24, 4>> x;
  Tensor<int, Shape<24>> y;
  std::copy(d.x.begin(), d.x.end(), x.begin());
  std::copy(d.y.begin(), d.y.end(), y.begin());
  auto a = make_model<Net>(5);
  auto b = make_model<Net>(5);
  const auto ha = fit(a, x, y, SparseCategoricalCrossentropy{}, Adam{}, {.epochs = 2, .batch_size = 5, .verbose = 0});
  const auto hb = fit(b, d.x, d.y, SparseCategoricalCrossentropy{}, Adam{}, {.epochs = 2, .batch_size = 5, .verbose = 0});
  CHECK(ha["loss"] == hb["loss"]);
  CHECK(weights_of(a) == weights_of(b));
  const auto [la] = evaluate(a, x, y, SparseCategoricalCrossentropy{});
  const auto [lb] = evaluate(b, d.x, d.y, SparseCategoricalCrossentropy{});
  CHECK(la == lb);
  CHECK(predict(a, x, 7).extent(0) == 24);
}

TEST_CASE("fit: the shuffles are reproducible from the seed", "[train][fit]") {
  const toy_data d(50);
  auto run = [&](std::uint64_t seed, bool shuffle) {
    auto net = make_model<Net>(2);
    fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, Adam{},
        {.epochs = 2, .batch_size = 16, .verbose = 0, .seed = seed, .shuffle = shuffle});
    return weights_of(net);
  };
  const auto a = run(11, true);
  CHECK(a == run(11, true));
  CHECK(a != run(12, true));
  CHECK(a != run(11, false));
}

#if TSHAPE_TEST_COUNTS_ALLOCATIONS
TEST_CASE("fit: after the first batch, a batch allocates nothing", "[train][fit]") {
  const toy_data d(60);
  auto net = make_model<Net>();
  struct counter {
    std::vector<long long> at_batch_end;
    void batch_end(int, const Logs&, fit_context&) { at_batch_end.push_back(allocations); }
  } count;
  count.at_batch_end.reserve(64);
  const auto text = captured([&](std::FILE* f) {
    fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, Adam{},
        {.epochs = 3, .batch_size = 8, .validation_split = 0.2, .verbose = 1, .output = f},
        metrics<SparseCategoricalAccuracy, Accuracy>, count);
  });
  REQUIRE(count.at_batch_end.size() == 18);  // 48 samples to train on: 6 batches, 3 epochs
  for (int e = 0; e < 3; ++e)
    for (int b = 1; b < 6; ++b) CHECK(count.at_batch_end[e * 6 + b] == count.at_batch_end[e * 6 + b - 1]);
}
#endif

TEST_CASE("fit: the data and the targets have the same number of samples, checked before training", "[train][fit]") {
  Tensor<float, Shape<dyn, 4>> x(10);
  Tensor<int, Shape<dyn>> y(9);
  auto net = make_model<Net>();
  int batches = 0;
  CHECK_THROWS_WITH((fit(net, x, y, SparseCategoricalCrossentropy{}, Adam{}, {.batch_size = 4, .verbose = 0},
                         LambdaCallback{.on_batch_begin = [&](int, const Logs&) { ++batches; }})),
                    Catch::StartsWith(TSHAPE_MSG_SAMPLE_COUNT_MISMATCH) && Catch::Contains("the data has 10 samples, the targets 9"));
  CHECK(batches == 0);
  Tensor<float, Shape<dyn, dyn>> wide(10, 5);
  Tensor<int, Shape<dyn>> labels(10);
  CHECK_THROWS_WITH((fit(net, wide, labels, SparseCategoricalCrossentropy{}, Adam{}, {.verbose = 0})),
                    Catch::Contains("at the model's input"));
  // One-hot targets whose width is known at run time: checked against the output before training.
  Tensor<float, Shape<dyn, 4>> x10(10);
  Tensor<float, Shape<dyn, dyn>> onehot(10, 4);
  CHECK_THROWS_WITH((fit(net, x10, onehot, CategoricalCrossentropy{}, Adam{}, {.verbose = 0})),
                    Catch::StartsWith(TSHAPE_MSG_LOSS_TARGET_MISMATCH) &&
                        Catch::Contains("in loss categorical_crossentropy: model output (10, 3), target (10, 4)"));
  CHECK_THROWS_WITH((evaluate(net, x10, onehot, CategoricalCrossentropy{})),
                    Catch::Contains("in loss categorical_crossentropy: model output (10, 3), target (10, 4)"));
}

TEST_CASE("fit: progress text as tf.keras 2 prints it", "[train][fit][progress]") {
  const toy_data d(40);
  const std::string number = R"([0-9]+\.[0-9]{4})";
  const std::string time = R"([0-9]+(s|ms|us))";
  SECTION("verbose 1, not a terminal: the final line of each epoch") {
    auto net = make_model<Net>();
    const auto text = captured([&](std::FILE* f) {
      fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, Adam{},
          {.epochs = 2, .batch_size = 8, .validation_split = 0.25, .verbose = 1, .output = f},
          metrics<SparseCategoricalAccuracy>);
    });
    const std::string line = R"(4/4 \[==============================\] - [0-9]+s )" + time + "/step - loss: " + number +
                             " - sparse_categorical_accuracy: " + number + " - val_loss: " + number +
                             " - val_sparse_categorical_accuracy: " + number + "\n";
    CHECK(std::regex_match(text, std::regex("Epoch 1/2\n" + line + "Epoch 2/2\n" + line)));
  }
  SECTION("verbose 2: one line per epoch, with the time per epoch and per step") {
    auto net = make_model<Net>();
    const auto text = captured([&](std::FILE* f) {
      fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, Adam{}, {.epochs = 1, .batch_size = 16, .verbose = 2, .output = f});
    });
    // One epoch: no "Epoch 1/1" line, as Keras.
    CHECK(std::regex_match(text, std::regex("3/3 - [0-9]+s - loss: " + number + " - " + time + "/epoch - " + time + "/step\n")));
  }
  SECTION("verbose 0: nothing") {
    auto net = make_model<Net>();
    CHECK(captured([&](std::FILE* f) {
            fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, Adam{}, {.epochs = 2, .verbose = 0, .output = f});
          }).empty());
  }
  SECTION("on a terminal: the bar redrawn in place, ETA while running") {
    const auto text = captured([&](std::FILE* f) {
      progress_bar bar(f, 4, 1, true);
      Logs logs;
      logs.set("loss", 0.41234);
      logs.set("accuracy", 0.0001);
      bar.update(1, logs);
      bar.update(2, logs);  // within 50 ms of the first: not drawn
      logs.set("loss", 0.3);
      bar.update(4, logs, true);
    });
    CHECK(std::regex_match(text, std::regex(R"(\r1/4 \[======>\.{23}\] - ETA: 0s - loss: 0\.4123 - accuracy: 1\.0000e-04)"
                                            R"(\r4/4 \[={30}\] - 0s )" + time + R"(/step - loss: 0\.3000 - accuracy: 1\.0000e-04\n)")));
  }
}

TEST_CASE("EarlyStopping: stops after `patience` epochs without improvement and restores the best weights", "[train][fit][callbacks]") {
  const toy_data d(32);
  auto net = make_model<Net>(4);
  recorder rec;
  // Full-batch gradient descent with a small rate: the loss falls every epoch, so watching for a
  // RISE (mode max) finds its best at the first epoch.
  EarlyStopping stop{.monitor = "loss", .patience = 2, .mode = monitor_mode::max, .restore_best_weights = true};
  const auto h = fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.05f},
                     {.epochs = 10, .batch_size = 32, .verbose = 0}, rec, stop);
  REQUIRE(h.epochs() == 3);
  CHECK(h["loss"][1] < h["loss"][0]);
  CHECK(stop.stopped_epoch == 2);
  CHECK(stop.best_epoch == 0);
  CHECK(weights_of(net) == rec.epoch_weights[0]);
  CHECK(weights_of(net) != rec.epoch_weights[2]);

  // A baseline never beaten: the first epoch's improvement does not reset the count, so it stops an
  // epoch sooner (at epoch 2, not 3).
  auto net2 = make_model<Net>(4);
  EarlyStopping never{.monitor = "loss", .patience = 3, .mode = monitor_mode::max, .baseline = 100.0};
  const auto h2 = fit(net2, d.x, d.y, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.05f},
                      {.epochs = 10, .batch_size = 32, .verbose = 0}, never);
  CHECK(h2.epochs() == 3);
  CHECK(never.stopped_epoch == 2);
}

TEST_CASE("ModelCheckpoint: writes the weights each epoch, or when the monitored value improves", "[train][fit][callbacks]") {
  const toy_data d(32);
  const std::string pattern = temp_path("ckpt-{epoch:02d}.npz");
  for (const char* f : {"ckpt-01.npz", "ckpt-02.npz", "best.npz"}) std::filesystem::remove(temp_path(f));
  auto net = make_model<Net>(4);
  recorder rec;
  fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.05f}, {.epochs = 2, .batch_size = 32, .verbose = 0},
      rec, ModelCheckpoint{.filepath = pattern},
      ModelCheckpoint{.filepath = temp_path("best.npz"), .monitor = "loss", .save_best_only = true, .mode = monitor_mode::max});
  auto loaded = make_model<Net>(99);
  load_weights(loaded, temp_path("ckpt-02.npz"));
  CHECK(weights_of(loaded) == weights_of(net));
  load_weights(loaded, temp_path("ckpt-01.npz"));
  CHECK(weights_of(loaded) == rec.epoch_weights[0]);
  load_weights(loaded, temp_path("best.npz"));  // the loss only fell: the first epoch's
  CHECK(weights_of(loaded) == rec.epoch_weights[0]);
  for (const char* f : {"ckpt-01.npz", "ckpt-02.npz", "best.npz"}) std::filesystem::remove(temp_path(f));
}

TEST_CASE("CSVLogger: Keras' columns, epoch then the sorted keys, values as Python prints them", "[train][fit][callbacks]") {
  CHECK(detail::python_float_repr(0.5) == "0.5");
  CHECK(detail::python_float_repr(1.0) == "1.0");
  CHECK(detail::python_float_repr(0.1) == "0.10000000149011612");  // float32 0.1 as a Python float
  CHECK(detail::python_float_repr(1e-5) == "9.999999747378752e-06");
  CHECK(detail::python_float_repr(0.0001220703125) == "0.0001220703125");
  CHECK(detail::python_float_repr(123456.0) == "123456.0");
  CHECK(detail::python_float_repr(1e17) == "9.999999843067494e+16");
  CHECK(detail::python_float_repr(-2.5) == "-2.5");

  const toy_data d(40);
  const std::string file = temp_path("log.csv");
  auto net = make_model<Net>();
  const auto h = fit(net, d.x, d.y, SparseCategoricalCrossentropy{}, Adam{},
                     {.epochs = 2, .batch_size = 8, .validation_split = 0.25, .verbose = 0},
                     CSVLogger{.filename = file}, metrics<SparseCategoricalAccuracy>);
  std::ifstream in(file);
  std::string header, row0, row1, extra;
  std::getline(in, header);
  std::getline(in, row0);
  std::getline(in, row1);
  CHECK(header == "epoch,loss,sparse_categorical_accuracy,val_loss,val_sparse_categorical_accuracy");
  CHECK(!std::getline(in, extra));
  for (int e = 0; e < 2; ++e) {
    std::string expected = std::to_string(e);
    for (const char* k : {"loss", "sparse_categorical_accuracy", "val_loss", "val_sparse_categorical_accuracy"})
      expected += "," + detail::python_float_repr(h[k][e]);
    CHECK((e == 0 ? row0 : row1) == expected);
  }
  std::filesystem::remove(file);
}

TEST_CASE("learning-rate schedules set the optimizer's rate as Keras' formulas say", "[train][fit][callbacks]") {
  const toy_data d(20);
  SECTION("ExponentialDecay, before every step, from the optimizer's iterations") {
    for (bool staircase : {false, true}) {
      auto net = make_model<Net>();
      auto t = make_trainer(net, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.5f});
      recorder rec;
      fit(t, d.x, d.y, {.epochs = 2, .batch_size = 4, .verbose = 0},
          ExponentialDecay{.initial_learning_rate = 0.1, .decay_steps = 3, .decay_rate = 0.5, .staircase = staircase}, rec);
      REQUIRE(rec.batch_lr.size() == 10);
      for (std::size_t i = 0; i < 10; ++i) {
        const double p = staircase ? std::floor(double(i) / 3) : double(i) / 3;
        CHECK(rec.batch_iterations[i] == static_cast<long long>(i));
        CHECK(rec.batch_lr[i] == Approx(0.1 * std::pow(0.5, p)).epsilon(1e-6));
      }
      CHECK(t.optimizer().learning_rate == rec.batch_lr.back());
    }
  }
  SECTION("LearningRateScheduler, at the start of each epoch, logged as lr") {
    auto net = make_model<Net>();
    auto t = make_trainer(net, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.1f});
    const auto h = fit(t, d.x, d.y, {.epochs = 3, .verbose = 0},
                       LearningRateScheduler{[](int epoch, double lr) { return epoch < 1 ? lr : lr * 0.5; }});
    CHECK(h.keys.back() == "lr");
    CHECK(h["lr"][0] == Approx(0.1));
    CHECK(h["lr"][1] == Approx(0.05));
    CHECK(h["lr"][2] == Approx(0.025));
    CHECK(t.optimizer().learning_rate == Approx(0.025f));
  }
  SECTION("ReduceLROnPlateau: patience, cooldown and min_lr") {
    auto net = make_model<Net>();
    auto t = make_trainer(net, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.04f});
    // The loss falls every epoch (full batch, small rate), so in mode max it never improves after
    // the first: reduced at epoch 2 (wait 2), cooldown at epoch 3, reduced again at epoch 4.
    const auto h = fit(t, d.x, d.y, {.epochs = 6, .batch_size = 20, .verbose = 0},
                       ReduceLROnPlateau{.monitor = "loss", .factor = 0.5, .patience = 2, .mode = monitor_mode::max, .cooldown = 1});
    const std::vector<double> expected{0.04, 0.04, 0.04, 0.02, 0.02, 0.01};
    for (std::size_t e = 0; e < 6; ++e) CHECK(h["lr"][e] == Approx(expected[e]));
    CHECK(t.optimizer().learning_rate == Approx(0.01f));

    auto t2 = make_trainer(net, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.04f});
    fit(t2, d.x, d.y, {.epochs = 6, .batch_size = 20, .verbose = 0},
        ReduceLROnPlateau{.monitor = "loss", .factor = 0.5, .patience = 2, .mode = monitor_mode::max, .cooldown = 1, .min_lr = 0.02});
    CHECK(t2.optimizer().learning_rate == Approx(0.02f));
  }
}

TEST_CASE("fit: a loss that is not finite stops training, naming the epoch and the batch", "[train][fit]") {
  toy_data d(16);
  d.x(13, 2) = std::nanf("");  // in the 4th batch of 4 (no shuffling)
  using Linear = Sequential<Input<4>, Dense<3, Softmax>>;  // (ReLU would turn the NaN into 0)
  auto net = make_model<Linear>();
  auto t = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{});
  recorder rec;
  CHECK_THROWS_WITH((fit(t, d.x, d.y, {.epochs = 3, .batch_size = 4, .verbose = 0, .shuffle = false}, rec)),
                    Catch::Contains("the loss is nan at epoch 1/3, batch 4/4 (counted from 1)"));
  REQUIRE(rec.batch_weights.size() == 3);
  CHECK(weights_of(net) == rec.batch_weights[2]);  // that batch changed nothing
  CHECK(t.iterations() == 3);
}

TEST_CASE("evaluate and predict: the numbers of a loop over the model", "[train][fit]") {
  const toy_data d(23);
  auto net = make_model<Net>(8);
  const auto [loss, sparse_acc, acc] =
      evaluate(net, d.x, d.y, SparseCategoricalCrossentropy{}, {.batch_size = 5}, metrics<SparseCategoricalAccuracy>, Accuracy{});
  const auto p = net(d.x);
  double hits = 0;
  for (int i = 0; i < 23; ++i) hits += argmax3(p, i) == d.y(i);
  CHECK(loss == Approx(tshape::loss<SparseCategoricalCrossentropy>(p, d.y)).epsilon(1e-6));
  CHECK(sparse_acc == Approx(hits / 23));
  CHECK(acc == Approx(hits / 23));

  const auto probs = predict(net, d.x, 5);
  REQUIRE(probs.extent(0) == 23);
  for (int i = 0; i < 23; ++i)
    for (int c = 0; c < 3; ++c) CHECK(probs(i, c) == Approx(p(i, c)).margin(1e-6));

  // evaluate on a kept trainer: its model and loss.
  auto t = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{});
  const auto [loss2, acc2] = evaluate(t, d.x, d.y, metrics<SparseCategoricalAccuracy>);
  CHECK(loss2 == Approx(loss).epsilon(1e-6));
  CHECK(acc2 == Approx(sparse_acc));
  // verbose 1 to a file: Keras' final line.
  const auto text = captured([&](std::FILE* f) {
    evaluate(net, d.x, d.y, SparseCategoricalCrossentropy{}, {.batch_size = 5, .verbose = 1, .output = f});
  });
  CHECK(std::regex_match(text, std::regex(R"(5/5 \[={30}\] - [0-9]+s [0-9]+(s|ms|us)/step - loss: [0-9]+\.[0-9]{4}\n)")));
}

TEST_CASE("metrics: Keras' values on small arrays", "[train][metrics]") {
  const float p[] = {0.2f, 0.7f, 0.6f, 0.4f};  // (4, 1)
  const float t[] = {0.0f, 1.0f, 0.0f, 0.0f};
  BinaryAccuracy b;
  b.update(p, t, 4, 1, 1);
  CHECK(b.result() == Approx(0.75));
  BinaryAccuracy b7{.threshold = 0.65};
  b7.update(p, t, 4, 1, 1);
  CHECK(b7.result() == Approx(1.0));
  Accuracy a;  // a last axis of 1: binary
  a.update(p, t, 4, 1, 1);
  CHECK(a.result() == Approx(0.75));

  const float q[] = {0.1f, 0.8f, 0.1f, 0.5f, 0.3f, 0.2f};  // (2, 3)
  const float onehot[] = {0, 1, 0, 0, 0, 1};
  const int labels[] = {1, 0};
  CategoricalAccuracy c;
  c.update(q, onehot, 2, 3, 3);
  CHECK(c.result() == Approx(0.5));
  SparseCategoricalAccuracy s;
  s.update(q, labels, 2, 3, 1);
  CHECK(s.result() == Approx(1.0));
  Accuracy ac, as;
  ac.update(q, onehot, 2, 3, 3);
  as.update(q, labels, 2, 3, 1);
  CHECK(ac.result() == Approx(0.5));
  CHECK(as.result() == Approx(1.0));

  MeanSquaredErrorMetric mse;
  MeanAbsoluteErrorMetric mae;
  mse.update(q, onehot, 2, 3, 3);
  mae.update(q, onehot, 2, 3, 3);
  CHECK(mse.result() == Approx((0.01 + 0.04 + 0.01 + 0.25 + 0.09 + 0.64) / 6));
  CHECK(mae.result() == Approx((0.1 + 0.2 + 0.1 + 0.5 + 0.3 + 0.8) / 6));
  // Accumulated over samples, reset between epochs.
  mse.update(q, q, 2, 3, 3);
  CHECK(mse.result() == Approx((0.01 + 0.04 + 0.01 + 0.25 + 0.09 + 0.64) / 12));
  mse.reset();
  CHECK(mse.result() == 0.0);
  CHECK_THROWS_WITH(mse.update(q, labels, 2, 3, 1), Catch::Contains("metric mean_squared_error needs targets of the prediction's shape"));
}

TEST_CASE("fit: binary targets of shape (N,) against a (N, 1) output, MSE as loss and metric", "[train][fit]") {
  using Binary = Sequential<Input<4>, Dense<6, Tanh>, Dense<1, Sigmoid>>;
  const toy_data d(30);
  Tensor<float, Shape<dyn>> y(30);
  for (int i = 0; i < 30; ++i) y(i) = d.y(i) == 0 ? 1.0f : 0.0f;
  auto net = make_model<Binary>();
  const auto h = fit(net, d.x, y, BinaryCrossentropy{}, Adam{.learning_rate = 0.01f}, {.epochs = 2, .batch_size = 10, .verbose = 0},
                     metrics<Accuracy, BinaryAccuracy, MeanSquaredErrorMetric>);
  CHECK(h.keys == std::vector<std::string>{"loss", "accuracy", "binary_accuracy", "mean_squared_error"});
  CHECK(h["accuracy"] == h["binary_accuracy"]);
  const auto [l, acc, bin, mse] = evaluate(net, d.x, y, BinaryCrossentropy{}, metrics<Accuracy, BinaryAccuracy, MeanSquaredErrorMetric>);
  const auto p = net(d.x);
  double se = 0, hits = 0;
  for (int i = 0; i < 30; ++i) {
    se += (p(i, 0) - y(i)) * (p(i, 0) - y(i));
    hits += (p(i, 0) > 0.5f ? 1.0f : 0.0f) == y(i);
  }
  CHECK(mse == Approx(se / 30).epsilon(1e-6));
  CHECK(acc == Approx(hits / 30));
  CHECK(bin == Approx(hits / 30));
  CHECK(l == Approx(tshape::loss<BinaryCrossentropy>(p, y)).epsilon(1e-6));
}
