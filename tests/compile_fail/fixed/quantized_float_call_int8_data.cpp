#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<4>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 16>> calibration(100);
  const auto q = quantize(*net, calibration);
  Tensor<std::int8_t, Shape<dyn, 16>> sensor_codes(10);  // already int8, from the input's quantization
  auto y = q.int8(sensor_codes);
  return y.extent(0) == 10 && y.extent(1) == 4 ? 0 : 1;
}
