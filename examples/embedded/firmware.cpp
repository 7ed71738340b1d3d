// A firmware loop, as the Cortex-M4 build links it (examples/embedded/build-cortex-m4.sh): read a
// window from the sensor, classify it, report the event. The sensor and the output stand for
// memory-mapped registers.
#include "sensor_model.hpp"

volatile float sensor_sample;  // the sensor's data register
volatile int event_register;   // where the firmware reports what it saw

namespace {
sensor::Arena arena;  // the model's working memory, in .bss
}  // namespace

int main() {
  float window[16];
  float scores[4];
  for (;;) {
    for (float& v : window) v = sensor_sample;
    event_register = static_cast<int>(sensor::classify(window, scores, arena));
  }
}
