// EXPECT-MESSAGE: tshape: q\(x\) on a quantized model takes float data and quantizes it itself; data already in int8 goes to q.int8\(x\)
// EXPECT-ERROR: QUANTIZED_CALL_DTYPE_MISMATCH<.*at_quantized_call, .*expected_dtype<float>, .*but_got_dtype<signed char>, .*but_got_shape<.*None, 16>, .*fix_with_the_int8_call
// TITLE: Int8 data fed to a quantized model's float call
// SEED: -
// KERAS: (TFLite) ValueError: Cannot set tensor: Got value of type INT8 but expected type FLOAT32 for input 0
// FIX: data already quantized with q.input_quantization() goes to q.int8(x), which returns int8 too.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<4>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 16>> calibration(100);
  const auto q = quantize(*net, calibration);
  Tensor<std::int8_t, Shape<dyn, 16>> sensor_codes(10);  // already int8, from the input's quantization
  auto y = q(sensor_codes);
  (void)y;
}
