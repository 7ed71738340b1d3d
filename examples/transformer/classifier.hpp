// The transformer example's firmware interface: one sequence of token ids in, the class out. The model
// is built by the compiler from the trained weights (transformer_weights.hpp), so on a microcontroller
// its 79 KiB of parameters live in flash; a call works in the caller's arena and allocates nothing.
#pragma once
#include <cstdint>

#include "encoder.hpp"

namespace transformer {

/// The model's working memory for one sequence (its size is known at compile time). Firmware keeps one
/// for good.
struct Arena {
  alignas(TSHAPE_ALIGN) float floats[Net::arena_floats(1)];
};

/// Classifies one sequence of token ids (each in [0, vocabulary)): writes the two probabilities and
/// returns the likelier class (1: token A comes before token B).
int classify(const std::int32_t (&ids)[sequence], float (&probabilities)[2], Arena& arena);

}  // namespace transformer
