// Fine-tuning the sensor model on the device: after the sensor is mounted somewhere new, the user
// labels a few windows and the firmware retrains the model's last Dense layer on them with SGD,
// keeping the first two layers (the features) as trained in the factory (Keras' trainable = False).
// Everything it needs is static: the model, the gradients, the optimizer's slot and the step's
// working memory, in sizes known when the firmware compiles. Nothing allocates.
#pragma once
#include <cstddef>

#include <tshape/train/trainer.hpp>

#include "sensor_model.hpp"

namespace sensor::finetune {

/// The labelled windows a fine-tuning pass learns from: two of each event.
inline constexpr int batch = 8;
using Loss = tshape::SparseCategoricalCrossentropy;  // on the scores (logits): from_logits
using Optimizer = tshape::SGD;

/// The windows the user labelled, and their labels (0 idle, 1 drift, 2 vibration, 3 impact).
struct labelled_windows {
  float windows[batch][16];
  int labels[batch];
};

// The RAM a fine-tuning pass takes, checked when the firmware compiles: the model's mutable copy
// (the factory model stays in flash) and train_bytes, the gradients, SGD's slot and the step's
// activations, saved values and scratch. Budget: 32 KiB, half the RAM of a small Cortex-M4 part
// (an STM32L432's 64 KiB), the rest left to the application.
inline constexpr std::size_t ram_budget = 32 * 1024;
inline constexpr std::size_t train_ram = sizeof(Net) + tshape::train_bytes<Net, Optimizer>(batch);
static_assert(train_ram <= ram_budget, "fine-tuning needs more RAM than the budget");
static_assert(tshape::train_bytes<Net, Optimizer>(batch) == 20'256, "gradients 6,928 + SGD's slot 6,928 + step 6,400");

/// The fine-tuned model (in RAM); it starts as the factory model.
Net& model();

/// Puts the model back to the factory weights and freezes its first two layers.
void reset();

/// One SGD step on the windows; returns their mean loss before the update.
float step(const labelled_windows& data);

/// The mean loss on the windows, without training (Keras' test_on_batch).
float loss(const labelled_windows& data);

/// Classifies one window with the fine-tuned model, as sensor::classify does with the factory one.
event classify(const float (&window)[16], float (&scores)[4], Arena& arena);

}  // namespace sensor::finetune
