// The one function a firmware loop calls, and the model it runs.
#include "sensor_model.hpp"

#include <type_traits>

#include <tshape/model/weights.hpp>

#include "sensor_weights.hpp"

namespace sensor {

// sensor_weights.hpp is onnx2tshape's header for sensor_model.onnx: its type must be this example's.
static_assert(std::is_same_v<Net, trained::Net>,
              "sensor_weights.hpp was converted from another model than sensor::Net: see train_sensor_model.py");

namespace {
// Built at compile time: read-only data, no constructor runs at start-up.
constexpr Net net = tshape::from_weights<Net>(trained::weights);
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
