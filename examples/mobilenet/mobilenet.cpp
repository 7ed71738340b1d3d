// The MobileNetV2-style classifier (examples/mobilenet/mobilenet.hpp) on the host: its summary, its
// memory figures (known at compile time), a batch of probabilities that sum to one, the time of one
// image, and a few epochs of training on a synthetic task in which the loss must fall.
#include "mobilenet.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <tshape/tshape.hpp>

using namespace tshape;
using mobilenet::Net;

// The budget a Cortex-M4 build keeps to (examples/mobilenet/build-cortex-m4.sh prints the real sizes).

namespace {

// Ten classes: which cell of a 4 x 4 grid (its first ten cells) holds a bright 8 x 8 patch, in a
// random colour on a noisy background.
void make_images(Tensor<float, Shape<dyn, 32, 32, 3>>& x, Tensor<int, Shape<dyn>>& y, int n, std::uint64_t seed) {
  detail::rng r(seed);
  for (int i = 0; i < n; ++i) {
    const int label = static_cast<int>(r.next() % 10), top = label / 4 * 8, left = label % 4 * 8;
    y(i) = label;
    float colour[3];
    for (float& c : colour) c = r.uniform(0.5f, 1.0f);
    for (int h = 0; h < 32; ++h)
      for (int w = 0; w < 32; ++w)
        for (int c = 0; c < 3; ++c) {
          const bool bright = h >= top && h < top + 8 && w >= left && w < left + 8;
          x(i, h, w, c) = (bright ? colour[c] : 0.1f) + r.uniform(-0.1f, 0.1f);
        }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // --quick: fewer epochs, for unoptimised, sanitizer and emulated builds.
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  auto net = make_model<Net>(/*seed=*/5);
  print_summary<Net>();
  std::printf("\nparameters: %zu bytes; forward arena, one image: %zu bytes (a batch of 8: %zu)\n", Net::param_bytes,
              Net::activation_bytes, Net::arena_bytes(8));

  // A batch of eight images: each row of probabilities sums to one.
  constexpr int batch = 8;
  Tensor<float, Shape<dyn, 32, 32, 3>> images(batch);
  Tensor<int, Shape<dyn>> labels(batch);
  make_images(images, labels, batch, 1);
  static Net::arena<batch> arena;
  std::vector<float> probs(batch * 10);
  net->forward(TensorView<const float, Shape<batch, 32, 32, 3>>(&images(0, 0, 0, 0)),
               TensorView<float, Shape<batch, 10>>(probs.data()), arena);
  int failures = 0;
  for (int i = 0; i < batch; ++i) {
    double sum = 0;
    for (int j = 0; j < 10; ++j) {
      const float p = probs[static_cast<std::size_t>(i * 10 + j)];
      if (!(p >= 0 && p <= 1)) ++failures;
      sum += p;
    }
    if (std::fabs(sum - 1) > 1e-5) {
      std::printf("image %d: probabilities sum to %.7f\n", i, sum);
      ++failures;
    }
  }
  std::printf("a batch of %d: every row of probabilities sums to 1%s\n", batch, failures ? ": FAILED" : "");

  // One image's forward pass: the median of 15 rounds, each of at least 20 ms (indicative only).
  std::vector<double> us;
  static Net::arena<1> one;
  for (int round = 0; round < 15; ++round) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    long calls = 0;
    std::chrono::duration<double, std::micro> t{};
    do {
      net->forward(TensorView<const float, Shape<1, 32, 32, 3>>(&images(calls % batch, 0, 0, 0)),
                   TensorView<float, Shape<1, 10>>(probs.data()), one);
      ++calls;
      t = clock::now() - start;
    } while (t < std::chrono::milliseconds(20));
    us.push_back(t.count() / static_cast<double>(calls));
  }
  std::sort(us.begin(), us.end());
  std::printf("one image: %.0f us (median of 15 rounds, fastest %.0f; kernels: %s)\n\n", us[7], us[0], simd_name());

  // Training: Adam on 320 synthetic images; the loss must fall.
  const int n = 320;
  Tensor<float, Shape<dyn, 32, 32, 3>> x(n);
  Tensor<int, Shape<dyn>> y(n);
  make_images(x, y, n, 2);
  const auto history = fit(net, x, y, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.005f},
                           {.epochs = quick ? 2 : 6, .batch_size = 32, .verbose = 2},
                           metrics<SparseCategoricalAccuracy>);
  const double first = history["loss"].front(), last = history["loss"].back();
  const bool learned = last < 0.8 * first;
  std::printf("\ntraining loss %.3f -> %.3f over %d epochs (accuracy %.3f): %s\n", first, last, history.epochs(),
              history["sparse_categorical_accuracy"].back(), learned ? "learned" : "FAILED, the loss did not fall");
  return failures == 0 && learned ? 0 : 1;
}
