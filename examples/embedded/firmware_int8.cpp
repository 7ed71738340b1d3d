// The firmware loop of firmware.cpp on the int8 model (sensor_int8.cpp), as the Cortex-M4 build links
// it: the same window in, the same event out, half the flash and RAM for the model.
#include "sensor_int8.hpp"

volatile float sensor_sample;  // the sensor's data register
volatile int event_register;   // where the firmware reports what it saw

namespace {
sensor::QArena arena;  // the int8 model's working memory, in .bss
}  // namespace

int main() {
  float window[16];
  float scores[4];
  for (;;) {
    for (float& v : window) v = sensor_sample;
    event_register = static_cast<int>(sensor::classify_int8(window, scores, arena));
  }
}
