// The MobileNet firmware's code on the host, built as the firmware is (TSHAPE_NO_HEAP, no exceptions,
// no RTTI): the model built at compile time from the trained weights classifies new images of the
// synthetic task right, its probabilities sum to one, and a call is timed.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "classifier.hpp"
#include "synthetic_images.hpp"

int main() {
  static mobilenet::Arena<> arena;
  static float images[100][mobilenet::image_floats];
  int labels[100];
  tshape::detail::rng r(11);
  for (int i = 0; i < 100; ++i) labels[i] = mobilenet::synthetic_image(images[i], r);

  float probabilities[10];
  int right = 0, bad_rows = 0;
  for (int i = 0; i < 100; ++i) {
    right += mobilenet::classify(images[i], probabilities, arena) == labels[i];
    float sum = 0;
    for (float p : probabilities) sum += p;
    bad_rows += std::fabs(sum - 1) > 1e-5f;
  }

  // Time per image: the median of 15 rounds, each of at least 20 ms (short under an emulator).
  double us[15];
  volatile int sink = 0;
  for (double& t : us) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    long calls = 0;
    std::chrono::duration<double, std::micro> d{};
    do {
      sink = sink + mobilenet::classify(images[calls % 100], probabilities, arena);
      ++calls;
      d = clock::now() - start;
    } while (d < std::chrono::milliseconds(20));
    t = d.count() / static_cast<double>(calls);
  }
  std::sort(us, us + 15);
#ifdef TSHAPE_COMPACT_KERNELS
  const char* kernels = "compact";
#else
  const char* kernels = tshape::simd_name();
#endif
  std::printf("MobileNet firmware model (%zu B of parameters, %zu B arena): %d of 100 new images right, %d rows "
              "not summing to 1\none image: %.0f us (median of 15 rounds, fastest %.0f; kernels: %s)\n",
              mobilenet::Net::param_bytes, mobilenet::Net::activation_bytes, right, bad_rows, us[7], us[0], kernels);
  return right >= 90 && bad_rows == 0 ? 0 : 1;
}
