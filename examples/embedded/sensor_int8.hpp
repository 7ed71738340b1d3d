// The sensor model quantized to int8 (TFLite's full-integer scheme): the compiler quantizes the
// constexpr float model with calibration windows, so the int8 model is read-only data too.
#pragma once
#include <tshape/model/quantize.hpp>

#include "sensor_model.hpp"

namespace sensor {

using QNet = tshape::Quantized<Net>;
using QArena = QNet::arena<>;

// The memory budget against the float model's 6,928 and 256 bytes: int8 weights packed in blocks of
// 16 units (the last layer's 4 units take a block) and per channel an int32 bias, weight sum,
// multiplier and shift; two int8 activation buffers.
static_assert(QNet::param_bytes == 3'136, "parameters, in flash");
static_assert(QNet::activation_bytes == 128, "the arena, in RAM");

/// As classify, on the int8 model: float window in, float scores (dequantized logits) out.
event classify_int8(const float (&window)[16], float (&scores)[4], QArena& arena);

/// The int8 model itself: its quantization parameters, for tests and for data already in int8.
const QNet& int8_model();

}  // namespace sensor
