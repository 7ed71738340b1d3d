// The int8 sensor model: the float model from its constexpr weights, quantized by the compiler.
#include "sensor_int8.hpp"

#include <tshape/model/weights.hpp>

#include "sensor_int8_data.hpp"
#include "sensor_weights.hpp"

namespace sensor {

namespace {
constexpr Net net = tshape::from_weights<Net>(trained::weights);
constexpr QNet qnet = tshape::quantize(
    net, tshape::TensorView<const float, tshape::Shape<int8_data::calibration_count, 16>>(int8_data::calibration));
}  // namespace

const QNet& int8_model() { return qnet; }

event classify_int8(const float (&window)[16], float (&scores)[4], QArena& arena) {
  qnet.forward(window, scores, arena);
  int best = 0;
  for (int i = 1; i < 4; ++i)
    if (scores[i] > scores[best]) best = i;
  return static_cast<event>(best);
}

}  // namespace sensor
