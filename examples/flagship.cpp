// The flagship example: a network whose shapes are checked when it compiles, trained on the UCI
// handwritten digits (8x8 images; examples/data/README.md), evaluated, then timed at inference.
#include <tshape/tshape.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include "digits.hpp"

using namespace tshape;

// A small CNN, as Keras would write it ...
using Cnn = Sequential<Input<8, 8, 1>,  // one sample: an 8x8 image with one channel; the batch is separate
                       Conv2D<16, Kernel<3, 3>, Padding::same, ReLU>,
                       MaxPooling2D<Pool<2, 2>>,
                       Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>,
                       Flatten,
                       Dense<10, Softmax>>;
static_assert(std::is_same_v<Cnn::output_shape, Shape<10>>);
static_assert(Cnn::param_count == 9'930);  // Keras' summary() total for the same net

// ... and a multi-layer perceptron on the same images (two hidden layers: one of 64 is a point of
// accuracy short of the CNN's on some splits).
using Mlp = Sequential<Input<8, 8, 1>, Flatten, Dense<128, ReLU>, Dense<64, ReLU>, Dense<10, Softmax>>;
static_assert(Mlp::param_count == 17'226);

// ---- The model this example trains: switch to Cnn here. ----
using Net = Cnn;

#ifndef TSHAPE_DIGITS_CSV
#define TSHAPE_DIGITS_CSV "examples/data/digits.csv"
#endif

int main(int argc, char** argv) {
  // --quick: a few epochs and a short timing, for unoptimised and sanitizer builds; a path: the data.
  bool quick = false;
  const char* path = TSHAPE_DIGITS_CSV;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--quick")
      quick = true;
    else
      path = argv[i];
  }
  auto data = load_digits(path);
  shuffle_digits(data, /*seed=*/42);
  const int n = data.images.extent(0), n_train = 1500, n_test = n - n_train;
  // In a seeded random order, the first 1,500 images to train on (fit keeps the last 10% of them to
  // validate), the rest to test.
  const TensorView<const float, Shape<dyn, 8, 8, 1>> x_train(data.images.data(), {n_train});
  const TensorView<const int, Shape<dyn>> y_train(data.labels.data(), {n_train});
  const TensorView<const float, Shape<dyn, 8, 8, 1>> x_test(data.images.data() + n_train * 64, {n_test});
  const TensorView<const int, Shape<dyn>> y_test(data.labels.data() + n_train, {n_test});
  std::printf("%d images: %d to train on, %d to test\n\n", n, n_train, n_test);

  auto net = make_model<Net>(/*seed=*/1);  // parameters on the heap, Keras' initializers
  print_summary<Net>();                    // Keras' table, computed at compile time

  const auto train_start = std::chrono::steady_clock::now();
  const auto history = fit(net, x_train, y_train, SparseCategoricalCrossentropy{}, Adam{},
                           {.epochs = quick ? 4 : 60, .batch_size = 32, .validation_split = 0.1, .verbose = 1, .seed = 0},
                           metrics<SparseCategoricalAccuracy>,
                           EarlyStopping{.monitor = "val_loss", .patience = 10, .verbose = 1, .restore_best_weights = true});
  const double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - train_start).count();

  std::printf("\nepoch   loss    accuracy  val_loss  val_accuracy\n");
  for (int e = 0; e < history.epochs(); ++e)  // every fifth epoch, and the last
    if (e % 5 == 0 || e + 1 == history.epochs())
      std::printf("%5d  %.4f   %.4f    %.4f    %.4f\n", history.epoch[e] + 1, history["loss"][e],
                  history["sparse_categorical_accuracy"][e], history["val_loss"][e],
                  history["val_sparse_categorical_accuracy"][e]);

  const auto [test_loss, test_accuracy] =
      evaluate(net, x_test, y_test, SparseCategoricalCrossentropy{}, metrics<SparseCategoricalAccuracy>);
  std::printf("\ntest: loss %.4f, accuracy %.2f%% (%d images)\n", test_loss, 100 * test_accuracy, n_test);

  // The confusion matrix: rows the true digit, columns the predicted one.
  const auto probs = predict(net, x_test, 32);
  int confusion[10][10] = {};
  for (int i = 0; i < n_test; ++i) {
    int best = 0;
    for (int c = 1; c < 10; ++c)
      if (probs(i, c) > probs(i, best)) best = c;
    ++confusion[y_test(i)][best];
  }
  std::printf("\ntrue \\ predicted\n     ");
  for (int c = 0; c < 10; ++c) std::printf("%4d", c);
  std::printf("\n");
  for (int r = 0; r < 10; ++r) {
    std::printf("%4d ", r);
    for (int c = 0; c < 10; ++c) std::printf("%4d", confusion[r][c]);
    std::printf("\n");
  }

  // Inference on batches of 32 test images, as a deployed model runs.
  const TensorView<const float, Shape<32, 8, 8, 1>> batch(x_test.data());
  const int rounds = quick ? 10 : 2000;
  float sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) sink += net(batch)(r % 32, 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\ntraining: %.2f s for %d epochs\n", train_seconds, history.epochs());
  std::printf("inference: %.3g s per sample (batch 32, %s kernels; BLAS: %s, core %s)%s\n", seconds / rounds / 32,
              simd_name(), blas_info().library, blas_info().core, sink == sink ? "" : " [NaN]");
  if (blas_info().generic_core) std::printf("note: %s\n", blas_info().advice);
  // A sanity check with room for other kernels' rounding (this split measures above 97%; four epochs
  // reach about 90%).
  return test_accuracy >= (quick ? 0.8 : 0.95) ? 0 : 1;
}
