// EXPECT-MESSAGE: tshape: quantize\(\) does not handle this layer of a functional model
// EXPECT-ERROR: NOT_QUANTIZABLE<.*at_layer<2>, .*Multiply>
// TITLE: A merge int8 quantization does not take, in a functional model
// SEED: -
// KERAS: (TFLite converter) a model with an op the int8 kernels lack fails to convert with TFLITE_BUILTINS_INT8 only
// FIX: quantize() merges branches with Add or Concatenate; a gate written as Multiply has no int8 form here yet.
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto x = Input<8>{};
constexpr auto value = Dense<8, ReLU>{}(x);
constexpr auto gate = Dense<8, Sigmoid>{}(x);
constexpr auto out = Dense<4>{}(Multiply{}(value, gate));
using Net = decltype(model(x, out));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 8>> calibration(100);
  const auto q = quantize(*net, calibration);
  (void)q;
}
