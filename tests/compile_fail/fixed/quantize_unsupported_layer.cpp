#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16, 3>, Conv1D<8, Kernel<3>, Padding::causal, ReLU>, GlobalAveragePooling1D, Dense<4>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 16, 3>> calibration(100);
  for (std::ptrdiff_t i = 0; i < calibration.size(); ++i) calibration.data()[i] = static_cast<float>(i % 7) - 3.0f;
  const auto q = quantize(*net, calibration);
  auto y = q(calibration);
  return y.extent(0) == 100 && y.extent(1) == 4 ? 0 : 1;
}
