// On-device fine-tuning of the sensor model's last layer (sensor_finetune.hpp).
//
// Where the weights live. The factory model stays constexpr, in flash, as in sensor_model.cpp; the
// model that trains is a mutable copy of it in RAM (.bss, filled from flash at start-up and by
// reset()), and the trainer freezes its first two layers. The alternative, only the last layer's
// 132 weights in RAM (a flash feature extractor feeding a separate Sequential<Input<32>, Dense<4>>),
// would need about 3 KiB (with the eight windows' features) instead of 27 KiB, but splits the model
// in two: the copy keeps it one Keras model, with trainable = False on two layers, whose weights can
// be saved and compared whole. The gradients and SGD's slot mirror the whole model too (the
// trainer's memory is laid out per model), so frozen layers cost their size in RAM three times;
// sensor_finetune.hpp states the budget.
#include "sensor_finetune.hpp"

#include <tshape/model/weights.hpp>

#include "sensor_weights.hpp"

namespace sensor::finetune {

namespace {
constexpr Net factory = tshape::from_weights<Net>(trained::weights);  // flash

// RAM, zero until start-up: in .bss, so flash holds no second copy of the weights to initialize it.
Net tuned;
tshape::trainer_storage<Net, Optimizer, batch> storage;

auto make() {
  tuned = factory;
  auto t = tshape::make_trainer(tuned, Loss{.from_logits = true}, Optimizer{.learning_rate = 0.02f}, storage);
  t.set_trainable(0, false);  // Dense<32, ReLU>
  t.set_trainable(1, false);  // Dense<32, ReLU>
  return t;
}
auto trainer = make();  // at start-up, before main

using Windows = tshape::TensorView<const float, tshape::Shape<batch, 16>>;
using Labels = tshape::TensorView<const int, tshape::Shape<batch>>;
}  // namespace

Net& model() { return tuned; }

void reset() {
  tuned = factory;
  trainer.reset_slots();
}

float step(const labelled_windows& data) { return trainer.step(Windows(&data.windows[0][0]), Labels(data.labels)); }

float loss(const labelled_windows& data) { return trainer.test_step(Windows(&data.windows[0][0]), Labels(data.labels)); }

event classify(const float (&window)[16], float (&scores)[4], Arena& arena) {
  tuned.forward(tshape::TensorView<const float, tshape::Shape<1, 16>>(window),
                tshape::TensorView<float, tshape::Shape<1, 4>>(scores), arena);
  int best = 0;
  for (int i = 1; i < 4; ++i)
    if (scores[i] > scores[best]) best = i;
  return static_cast<event>(best);
}

}  // namespace sensor::finetune
