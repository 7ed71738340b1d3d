// The embedded example's int8 sensor model (examples/embedded/sensor_int8.cpp) as the Cortex-M4
// runs it, under qemu-arm: its labels against the float model's (built for the M4 too) and the
// true ones, on the 32 held-out windows and 400 more. The same bar as the host test: every held-out
// window labelled as the float model does, and at least 99 % of the others.
#include "../../../examples/embedded/sensor_int8.hpp"
#include "../../../examples/embedded/sensor_int8_data.hpp"
#include "../../../examples/embedded/sensor_model.hpp"
#include "../../../examples/embedded/sensor_test_data.hpp"
#include "linux_start.hpp"

namespace {
sensor::Arena arena;
sensor::QArena qarena;

struct tally {
  int count = 0, float_right = 0, int8_right = 0, agree = 0;
};

tally evaluate(const float* windows, const int* labels, int count) {
  tally t;
  for (int i = 0; i < count; ++i) {
    float window[16], scores[4], qscores[4];
    for (int k = 0; k < 16; ++k) window[k] = windows[16 * i + k];
    const int f = static_cast<int>(sensor::classify(window, scores, arena));
    const int q = static_cast<int>(sensor::classify_int8(window, qscores, qarena));
    ++t.count;
    t.float_right += f == labels[i];
    t.int8_right += q == labels[i];
    t.agree += f == q;
  }
  return t;
}

void print(const char* what, const tally& t) {
  qemu_arm::say(what);
  qemu_arm::say(t.count);
  qemu_arm::say(" windows: float ");
  qemu_arm::say(t.float_right);
  qemu_arm::say(" right, int8 ");
  qemu_arm::say(t.int8_right);
  qemu_arm::say(" right, labels agree on ");
  qemu_arm::say(t.agree);
  qemu_arm::say("\n");
}
}  // namespace

int test_main() {
  namespace data = sensor::test_data;
  namespace more = sensor::int8_data;
  static float flat[data::count * 16];
  for (int i = 0; i < data::count; ++i)
    for (int k = 0; k < 16; ++k) flat[16 * i + k] = data::windows[i][k];
  const tally test = evaluate(flat, data::labels, data::count);
  const tally eval = evaluate(more::eval, more::eval_labels, more::eval_count);
  qemu_arm::say("int8 sensor model on the Cortex-M4's instructions (int8 kernels: ");
  qemu_arm::say(tshape::kernels::quant::dense_path());
  qemu_arm::say(")\n");
  print("  held out: ", test);
  print("  more:     ", eval);
  return test.agree == test.count && eval.agree * 100 >= eval.count * 99 ? 0 : 1;
}
