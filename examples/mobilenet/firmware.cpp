// The MobileNet example's firmware loop, as examples/mobilenet/build-cortex-m4.sh links it for a
// Cortex-M4: take a frame from the camera, classify it, report the class. The camera and the output
// stand for memory-mapped registers.
#include "classifier.hpp"

volatile float camera_pixel;  // the camera interface's data register
volatile int class_register;  // where the firmware reports what it saw

namespace {
mobilenet::Arena<> arena;  // the model's working memory, in .bss
float frame[32 * 32 * 3];  // the frame being classified, in .bss
}  // namespace

int main() {
  float probabilities[10];
  for (;;) {
    for (float& v : frame) v = camera_pixel;
    class_register = mobilenet::classify(frame, probabilities, arena);
  }
}
