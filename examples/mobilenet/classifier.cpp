// The model the firmware runs, in read-only memory, and the one function its loop calls.
#include "classifier.hpp"

#include <tshape/model/weights.hpp>

#include "mobilenet_weights.hpp"

namespace mobilenet {

namespace {
// Built at compile time from the trained weights: read-only data (flash), no constructor runs at
// start-up, and RAM holds only the arena.
constexpr Net net = tshape::from_weights<Net>(weights);
}  // namespace

int classify(const float (&image)[32 * 32 * 3], float (&probabilities)[10], Arena<>& arena) {
  net.forward(tshape::TensorView<const float, tshape::Shape<1, 32, 32, 3>>(image),
              tshape::TensorView<float, tshape::Shape<1, 10>>(probabilities), arena);
  int best = 0;
  for (int i = 1; i < 10; ++i)
    if (probabilities[i] > probabilities[best]) best = i;
  return best;
}

}  // namespace mobilenet
