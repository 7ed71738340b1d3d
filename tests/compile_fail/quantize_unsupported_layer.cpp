// EXPECT-MESSAGE: tshape: quantize\(\) does not handle this layer yet \(it takes Dense, Conv1D, Conv2D and DepthwiseConv2D with Linear, ReLU, ReLU6, Sigmoid, Tanh or Softmax
// EXPECT-ERROR: NOT_QUANTIZABLE<.*at_layer<0>, .*GRU<8>
// TITLE: A layer int8 quantization does not take
// SEED: -
// KERAS: (TFLite converter) a model with an op the int8 kernels lack fails to convert with TFLITE_BUILTINS_INT8 only
// FIX: build the model from the layers quantize() takes: over time, a causal Conv1D (Conv1D<8, Kernel<3>, Padding::causal, ReLU>) then GlobalAveragePooling1D in place of the GRU.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16, 3>, GRU<8>, Dense<4>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 16, 3>> calibration(100);
  const auto q = quantize(*net, calibration);
  (void)q;
}
