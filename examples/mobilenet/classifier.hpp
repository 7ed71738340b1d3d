// The MobileNet example's firmware interface: one image in, the class out. The model is built by the
// compiler from the trained weights (mobilenet_weights.hpp), so on a microcontroller its 70 KiB of
// parameters live in flash; a call works in the caller's arena (64 KiB of RAM) and allocates nothing.
#pragma once
#include "mobilenet.hpp"

namespace mobilenet {

/// Classifies one 32 x 32 x 3 image (channels last): writes the ten probabilities and returns the
/// likeliest class.
int classify(const float (&image)[32 * 32 * 3], float (&probabilities)[10], Arena<>& arena);

}  // namespace mobilenet
