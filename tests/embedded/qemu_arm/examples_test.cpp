// The MobileNet and transformer examples' firmware code (classifier.cpp of each) as the Cortex-M4
// runs it, under qemu-arm: the models built at compile time from their trained weights classify new
// inputs of their tasks with the M4's instructions and the compact kernels, with the same bars as
// their host tests (90 of 100 images, 170 of 200 sequences right; probabilities summing to 1).
#include <cstdint>

#include "../../../examples/mobilenet/classifier.hpp"
#include "../../../examples/mobilenet/synthetic_images.hpp"
#include "../../../examples/transformer/classifier.hpp"
#include "../../../examples/transformer/sequences.hpp"
#include "linux_start.hpp"

namespace {
mobilenet::Arena<> image_arena;
float images[100][mobilenet::image_floats];
transformer::Arena sequence_arena;
std::int32_t sequences[200][transformer::sequence];

bool sums_to_one(const float* p, int n) {
  float sum = 0;
  for (int i = 0; i < n; ++i) sum += p[i];
  return sum > 1 - 1e-5f && sum < 1 + 1e-5f;
}

void report(const char* what, int right, int count, int bad_rows) {
  qemu_arm::say(what);
  qemu_arm::say(static_cast<long>(right));
  qemu_arm::say(" of ");
  qemu_arm::say(static_cast<long>(count));
  qemu_arm::say(" right, ");
  qemu_arm::say(static_cast<long>(bad_rows));
  qemu_arm::say(" rows not summing to 1\n");
}
}  // namespace

int test_main() {
  int labels[200];
  tshape::detail::rng r(11);  // the host test's seeds: the same new inputs
  for (int i = 0; i < 100; ++i) labels[i] = mobilenet::synthetic_image(images[i], r);
  int right = 0, bad = 0;
  float probabilities[10];
  for (int i = 0; i < 100; ++i) {
    right += mobilenet::classify(images[i], probabilities, image_arena) == labels[i];
    bad += !sums_to_one(probabilities, 10);
  }
  report("MobileNet on the Cortex-M4's instructions: ", right, 100, bad);
  const bool images_ok = right >= 90 && bad == 0;

  tshape::detail::rng s(23);
  for (int i = 0; i < 200; ++i) labels[i] = transformer::make_sequence(sequences[i], s);
  right = bad = 0;
  float pair[2];
  for (int i = 0; i < 200; ++i) {
    right += transformer::classify(sequences[i], pair, sequence_arena) == labels[i];
    bad += !sums_to_one(pair, 2);
  }
  report("transformer on the Cortex-M4's instructions: ", right, 200, bad);
  return images_ok && right >= 170 && bad == 0 ? 0 : 1;
}
