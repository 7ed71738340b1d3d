#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto x = Input<8>{};
constexpr auto value = Dense<8, ReLU>{}(x);
constexpr auto gate = Dense<8, Sigmoid>{}(x);
constexpr auto out = Dense<4>{}(Concatenate<>{}(value, gate));
using Net = decltype(model(x, out));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 8>> calibration(100);
  for (std::ptrdiff_t i = 0; i < calibration.size(); ++i) calibration.data()[i] = static_cast<float>(i % 7) - 3.0f;
  const auto q = quantize(*net, calibration);
  auto y = q(calibration);
  return y.extent(0) == 100 && y.extent(1) == 4 ? 0 : 1;
}
