// A recurrent model run as a stream: one call per incoming sensor reading, the recurrent layers
// keeping their state between calls, no allocation per call. The model was trained (e.g. in Keras)
// on windows of 50 readings of 3 channels; as a stream it runs for as long as readings come.
#include <tshape/tshape.hpp>

#include <cmath>
#include <cstdio>

using namespace tshape;

using Net = Sequential<Input<50, 3>,                // a window: 50 timesteps of 3 channels
                       GRU<32, ReturnSequences>,    // (None, 50, 32)
                       LSTM<16>,                    // (None, 16): the state after the last timestep
                       Dense<1, Sigmoid>>;          // (None, 1)

static_assert(Net::param_count == (3 * (32 * 3 + 32 * 32) + 6 * 32) + 4 * (16 * 32 + 16 * 16 + 16) + 17);

int main() {
  auto net = make_model<Net>(1);  // Keras' initializers; load trained weights through weights(net)
  print_summary<Net>();

  auto stream = make_stream(net);
  Tensor<float, Shape<50, 3>> window;  // the same readings, kept to check the stream against the model
  float last = 0.0f;
  for (int t = 0; t < 50; ++t) {
    const float ft = static_cast<float>(t);
    Tensor<float, Shape<3>> reading{std::sin(0.1f * ft), std::cos(0.07f * ft), 0.01f * ft};
    const Tensor<float, Shape<1>> y = stream(reading);  // the model's answer for readings 0..t
    for (int c = 0; c < 3; ++c) window(t, c) = reading(c);
    last = y(0);
    if (t % 10 == 9) std::printf("reading %2d: %.6f\n", t, static_cast<double>(last));
  }
  stream.reset_state();  // the next reading starts a new sequence

  // The whole window through the model gives what the stream gave after its last reading.
  const auto whole = net(expand_dims<0>(window));
  std::printf("whole window: %.6f (stream: %.6f)\n", static_cast<double>(whole(0, 0)), static_cast<double>(last));
  return std::fabs(whole(0, 0) - last) < 1e-5f ? 0 : 1;
}
