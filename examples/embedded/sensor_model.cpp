// The one function a firmware loop calls, and the model it runs.
#include "sensor_model.hpp"

#include <tshape/model/weights.hpp>

#include "sensor_weights.hpp"

namespace sensor {

namespace {
// Built at compile time: read-only data, no constructor runs at start-up.
constexpr Net net = tshape::from_weights<Net>(weights);
}  // namespace

event classify(const float (&window)[16], float (&scores)[4], Arena& arena) {
  net.forward(tshape::TensorView<const float, tshape::Shape<1, 16>>(window),
              tshape::TensorView<float, tshape::Shape<1, 4>>(scores), arena);
  int best = 0;
  for (int i = 1; i < 4; ++i)
    if (scores[i] > scores[best]) best = i;
  return static_cast<event>(best);
}

}  // namespace sensor
