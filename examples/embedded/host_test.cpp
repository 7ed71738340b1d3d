// The embedded example on the host, built like the firmware (TSHAPE_NO_HEAP, no exceptions, no RTTI):
// the scores for held-out windows match PyTorch's, every window gets its label, and a call is timed.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "sensor_model.hpp"
#include "sensor_test_data.hpp"

int main() {
  namespace data = sensor::test_data;
  static sensor::Arena arena;
  float scores[4];
  int failures = 0;
  double worst = 0;
  for (int i = 0; i < data::count; ++i) {
    const auto e = sensor::classify(data::windows[i], scores, arena);
    if (static_cast<int>(e) != data::labels[i]) {
      std::printf("window %d: event %d, labelled %d\n", i, static_cast<int>(e), data::labels[i]);
      ++failures;
    }
    for (int j = 0; j < 4; ++j) {
      const double diff = std::fabs(static_cast<double>(scores[j]) - data::scores[i][j]);
      worst = std::max(worst, diff);
      if (diff > 1e-4 + 1e-4 * std::fabs(data::scores[i][j])) {
        std::printf("window %d score %d: %.7g, PyTorch %.7g\n", i, j, scores[j], data::scores[i][j]);
        ++failures;
      }
    }
  }

  // Time per call: the median of 31 rounds, each of at least a millisecond (short under an emulator).
  std::vector<double> ns;
  volatile int sink = 0;
  for (int round = 0; round < 31; ++round) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    long calls = 0;
    std::chrono::duration<double, std::nano> t{};
    do {
      for (int i = 0; i < data::count; ++i) sink = sink + static_cast<int>(sensor::classify(data::windows[i], scores, arena));
      calls += data::count;
      t = clock::now() - start;
    } while (t < std::chrono::milliseconds(1));
    ns.push_back(t.count() / static_cast<double>(calls));
  }
  std::sort(ns.begin(), ns.end());
  std::printf("sensor model (16-32-32-4 MLP): %d windows, largest score difference to PyTorch %.2g, %s\n", data::count,
              worst, failures ? "FAILED" : "all labelled right");
#ifdef TSHAPE_COMPACT_KERNELS
  const char* kernels = "compact";
#else
  const char* kernels = tshape::simd_name();
#endif
  std::printf("one call: %.0f ns (median of 31 rounds, fastest %.0f; kernels: %s)\n", ns[15], ns[0], kernels);
  return failures == 0 ? 0 : 1;
}
