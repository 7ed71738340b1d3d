// The embedded example's model: a window of 16 readings of a vibration sensor in, the scores of four
// events out. The compiler builds the model from constexpr weights, so on a microcontroller it lives
// in flash; a call runs on the caller's arena (256 bytes of RAM) and allocates nothing.
#pragma once
#include <tshape/layers/dense.hpp>
#include <tshape/model/sequential.hpp>

namespace sensor {

using Net = tshape::Sequential<tshape::Input<16>,
                               tshape::Dense<32, tshape::ReLU>,
                               tshape::Dense<32, tshape::ReLU>,
                               tshape::Dense<4>>;

enum class event { idle, drift, vibration, impact };

/// The memory a call works in. Firmware keeps one for good: `static sensor::Arena arena;`.
using Arena = Net::arena<>;

// The memory budget, checked when the firmware compiles.
static_assert(Net::param_bytes == 6'928, "parameters, in flash");
static_assert(Net::activation_bytes == 256, "the arena, in RAM");

/// Classifies one window: writes the four scores (logits) and returns the likeliest event.
event classify(const float (&window)[16], float (&scores)[4], Arena& arena);

}  // namespace sensor
