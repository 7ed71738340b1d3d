#include <tshape/tshape.hpp>

#include <algorithm>
#include <cmath>
using namespace tshape;

using Net = Sequential<Input<64, 1>, LSTM<32, ReturnSequences>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto stream = make_stream(net);
  Tensor<float, Shape<64, 1>> window;
  for (int t = 0; t < 64; ++t) window(t, 0) = std::sin(0.2f * static_cast<float>(t));
  float last = 0;
  for (int t = 0; t < 64; ++t) {
    Tensor<float, decltype(stream)::frame_shape> reading{window(t, 0)};
    last = stream(reading)(0);
  }
  // The stream's answer after the last reading is the last row of the model's answer for the window.
  Tensor<float, Shape<1, 64, 1>> batch;
  std::copy(window.begin(), window.end(), batch.begin());
  const float whole = net(batch)(0, 63, 0);
  return whole != 0 && std::abs(whole - last) <= 1e-5f * (1 + std::abs(whole)) ? 0 : 1;
}
