// The model the firmware runs, in read-only memory, and the one function its loop calls.
#include "classifier.hpp"

#include <tshape/model/weights.hpp>

#include "transformer_weights.hpp"

namespace transformer {

namespace {
// Built at compile time from the trained weights (MultiHeadAttention's, LayerNormalization's and the
// embeddings' included): read-only data (flash), no constructor runs at start-up, RAM holds the arena.
constexpr Net net = tshape::from_weights<Net>(weights);
}  // namespace

int classify(const std::int32_t (&ids)[sequence], float (&probabilities)[2], Arena& arena) {
  // The raw pass: the Embedding reads int32 ids through the input's pointer, as a call on a Tensor<int>
  // hands them over (which would check them first: here the caller's ids are trusted).
  net.run_forward(tshape::detail::as_input_pointer(&ids[0]), probabilities, 1, arena.floats);
  return probabilities[1] > probabilities[0] ? 1 : 0;
}

}  // namespace transformer
