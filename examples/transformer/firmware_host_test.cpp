// The transformer firmware's code on the host, built as the firmware is (TSHAPE_NO_HEAP, no exceptions,
// no RTTI): the model built at compile time from the trained weights classifies new sequences of its
// task right, its probabilities sum to one, and a call is timed.
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "../host_timing.hpp"
#include "classifier.hpp"
#include "sequences.hpp"

int main() {
  static transformer::Arena arena;
  static std::int32_t sequences[200][transformer::sequence];
  int labels[200];
  tshape::detail::rng r(23);  // not the trainer's seed: sequences it has not seen
  for (int i = 0; i < 200; ++i) labels[i] = transformer::make_sequence(sequences[i], r);

  float probabilities[2];
  int right = 0, bad_rows = 0;
  for (int i = 0; i < 200; ++i) {
    right += transformer::classify(sequences[i], probabilities, arena) == labels[i];
    bad_rows += std::fabs(probabilities[0] + probabilities[1] - 1) > 1e-5f;
  }

  volatile int sink = 0;
  const auto us = examples::microseconds_per_call(
      [&](long i) { sink = sink + transformer::classify(sequences[i % 200], probabilities, arena); });
  const char* kernels = examples::kernels_name();
  std::printf("transformer firmware model (%zu B of parameters, %zu B arena): %d of 200 new sequences right, %d rows "
              "not summing to 1\none sequence: %.0f us (median of 15 rounds, fastest %.0f; kernels: %s)\n",
              transformer::Net::param_bytes, transformer::Net::activation_bytes, right, bad_rows, us[7], us[0], kernels);
  return right >= 170 && bad_rows == 0 ? 0 : 1;
}
