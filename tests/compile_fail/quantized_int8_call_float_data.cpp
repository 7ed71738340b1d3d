// EXPECT-MESSAGE: tshape: q.int8\(x\) takes int8 data quantized with q.input_quantization\(\) \(scale, zero point\); float data goes to q\(x\), or quantize it first with q.quantize_input\(x\)
// EXPECT-ERROR: QUANTIZED_CALL_DTYPE_MISMATCH<.*at_quantized_int8_call, .*expected_dtype<signed char>, .*but_got_dtype<float>, .*but_got_shape<.*None, 16>, .*fix_with_the_float_call_or_quantize_input
// TITLE: Float data fed to a quantized model's int8 call
// SEED: -
// KERAS: (TFLite) ValueError: Cannot set tensor: Got value of type FLOAT32 but expected type INT8 for input 0
// FIX: give q.int8 the data quantized with the model's input scale and zero point (q.quantize_input(x)), or call q(x), which quantizes float data itself.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<4>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 16>> x(100);
  const auto q = quantize(*net, x);
  auto y = q.int8(x);
  (void)y;
}
