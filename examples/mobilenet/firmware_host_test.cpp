// The MobileNet firmware's code on the host, built as the firmware is (TSHAPE_NO_HEAP, no exceptions,
// no RTTI): the model built at compile time from the trained weights classifies new images of the
// synthetic task right, its probabilities sum to one, and a call is timed.
#include <cmath>
#include <cstdio>

#include "../host_timing.hpp"
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

  volatile int sink = 0;
  const auto us = examples::microseconds_per_call(
      [&](long i) { sink = sink + mobilenet::classify(images[i % 100], probabilities, arena); });
  const char* kernels = examples::kernels_name();
  std::printf("MobileNet firmware model (%zu B of parameters, %zu B arena): %d of 100 new images right, %d rows "
              "not summing to 1\none image: %.0f us (median of 15 rounds, fastest %.0f; kernels: %s)\n",
              mobilenet::Net::param_bytes, mobilenet::Net::activation_bytes, right, bad_rows, us[7], us[0], kernels);
  return right >= 90 && bad_rows == 0 ? 0 : 1;
}
