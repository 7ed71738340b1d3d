// The fine-tuning firmware's code on the host, built like the firmware (TSHAPE_NO_HEAP, no exceptions,
// no RTTI): the sensor is mounted somewhere new, where it reads every event through a different gain
// and with an offset; eight windows the user labelled there (two per event) train the last layer.
// Their loss falls, the frozen layers keep the factory weights bit for bit, the last layer moves,
// and reset() brings the factory model back.
#include <cmath>
#include <cstdio>

#include <tshape/model/weights.hpp>

#include "sensor_finetune.hpp"
#include "sensor_test_data.hpp"
#include "sensor_weights.hpp"

namespace {
int failures = 0;
#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::printf("%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                          \
    }                                                                      \
  } while (0)

namespace data = sensor::test_data;
namespace ft = sensor::finetune;

// The new mounting: readings at half the factory's strength, offset by +0.3.
constexpr float gain = 0.5f, offset = 0.3f;
float remounted(float reading) { return gain * reading + offset; }

// Two held-out windows of each event (the test data holds 8 per event, in order), as remounted.
ft::labelled_windows labelled() {
  ft::labelled_windows d{};
  for (int i = 0; i < ft::batch; ++i) {
    const int w = (i / 2) * 8 + i % 2;
    for (int j = 0; j < 16; ++j) d.windows[i][j] = remounted(data::windows[w][j]);
    d.labels[i] = data::labels[w];
  }
  return d;
}

// How many of the other held-out windows (those not used for training), as remounted, the
// fine-tuned model labels right.
int right_on_held_out(sensor::Arena& arena) {
  int right = 0;
  for (int w = 0; w < data::count; ++w) {
    if (w % 8 < 2) continue;
    float window[16], scores[4];
    for (int j = 0; j < 16; ++j) window[j] = remounted(data::windows[w][j]);
    right += static_cast<int>(ft::classify(window, scores, arena)) == data::labels[w];
  }
  return right;
}

/// Whether layer I of a and b hold the same values, bit for bit.
template <std::size_t I>
bool same_layer(sensor::Net& a, sensor::Net& b) {
  bool same = true;
  auto& la = a.template layer<I>();
  auto& lb = b.template layer<I>();
  const float* pa[2] = {la.kernel().data(), la.bias().data()};
  const float* pb[2] = {lb.kernel().data(), lb.bias().data()};
  const std::ptrdiff_t n[2] = {la.kernel().size(), la.bias().size()};
  for (int k = 0; k < 2; ++k)
    for (std::ptrdiff_t i = 0; i < n[k]; ++i) same = same && pa[k][i] == pb[k][i];
  return same;
}
}  // namespace

int main() {
  static sensor::Net factory = tshape::from_weights<sensor::Net>(sensor::trained::weights);
  static sensor::Arena arena;
  const ft::labelled_windows windows = labelled();

  // Before: the factory model on the remounted sensor.
  CHECK(same_layer<0>(ft::model(), factory) && same_layer<1>(ft::model(), factory) && same_layer<2>(ft::model(), factory));
  const float before = ft::loss(windows);
  const int right_before = right_on_held_out(arena);

  constexpr int steps = 40;
  float first = 0.0f, last = 0.0f;
  for (int s = 0; s < steps; ++s) {
    last = ft::step(windows);
    if (s == 0) first = last;
  }
  const float after = ft::loss(windows);
  const int right_after = right_on_held_out(arena);
  std::printf("fine-tuning the last layer on %d remounted windows, %d SGD steps: loss %.4f -> %.4f; "
              "the other %d held-out windows labelled right: %d -> %d\n",
              ft::batch, steps, before, after, data::count - ft::batch, right_before, right_after);
  std::printf("RAM for fine-tuning: %zu B (the model %zu + train_bytes %zu), budget %zu B\n", ft::train_ram,
              sizeof(sensor::Net), tshape::train_bytes<sensor::Net, ft::Optimizer>(ft::batch), ft::ram_budget);

  CHECK(std::isfinite(before) && std::isfinite(after));
  CHECK(first == before);        // a step returns the loss before its update
  CHECK(after < 0.5f * before);  // the windows' loss falls
  CHECK(last > after);
  CHECK(right_after >= right_before + 8);  // and it tells more of the other windows apart
  // The frozen layers are untouched; the last layer has moved.
  CHECK(same_layer<0>(ft::model(), factory));
  CHECK(same_layer<1>(ft::model(), factory));
  CHECK(!same_layer<2>(ft::model(), factory));

  // reset(): the factory model again, and the same fine-tuning gives the same numbers.
  ft::reset();
  CHECK(same_layer<2>(ft::model(), factory));
  CHECK(ft::loss(windows) == before);
  float again = 0.0f;
  for (int s = 0; s < steps; ++s) again = ft::step(windows);
  CHECK(again == last);

  std::printf("%s\n", failures ? "FAILED" : "passed");
  return failures == 0 ? 0 : 1;
}
