// The model the firmware runs and the one function its loop calls.
//
// Where the weights live: the trained parameters are a constexpr array, in flash; the model is a
// static object in RAM (.bss) that start-up fills from them with set_weights, before main. Building
// the model itself at compile time, as the sensor example does (constexpr Net net = from_weights<Net>
// (weights), all in flash, 72 KiB less RAM), needs every layer's weight walk to be constexpr, which
// Conv2D's and DepthwiseConv2D's are not yet.
#include "classifier.hpp"

#include <span>

#include <tshape/model/weights.hpp>

#include "mobilenet_weights.hpp"

namespace mobilenet {

namespace {
Net net;  // .bss: zeros until start-up
[[maybe_unused]] const bool loaded = [] {
  tshape::set_weights(net, std::span<const float>(weights));
  return true;
}();
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
