// A second firmware image (examples/embedded/build-cortex-m4.sh): the sensor has been mounted
// somewhere new, so the firmware first records a few windows the user labels (a button, or a host
// link, sets the label register), fine-tunes the model's last layer on them (sensor_finetune.hpp:
// SGD, the first two layers frozen, everything in static memory), then classifies as firmware.cpp
// does, with the fine-tuned model. The sensor and the registers stand for memory-mapped ones.
#include "sensor_finetune.hpp"

volatile float sensor_sample;  // the sensor's data register
volatile int label_register;   // the event the user says the window being recorded shows
volatile float loss_register;  // the fine-tuning's progress: the loss of the last step
volatile int event_register;   // where the firmware reports what it saw

namespace {
namespace ft = sensor::finetune;
ft::labelled_windows recorded;  // the user's windows, in .bss
sensor::Arena arena;            // the classifier's working memory, in .bss
constexpr int steps = 40;
}  // namespace

int main() {
  for (int i = 0; i < ft::batch; ++i) {
    for (float& v : recorded.windows[i]) v = sensor_sample;
    recorded.labels[i] = label_register & 3;  // one of the four events, whatever the register holds
  }
  for (int s = 0; s < steps; ++s) loss_register = ft::step(recorded);

  float window[16];
  float scores[4];
  for (;;) {
    for (float& v : window) v = sensor_sample;
    event_register = static_cast<int>(ft::classify(window, scores, arena));
  }
}
