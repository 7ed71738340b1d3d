// EXPECT-MESSAGE: tshape: make_stream: this layer needs timesteps that have not come yet
// EXPECT-ERROR: NOT_STREAMABLE<.*at_layer<0>, .*Conv1D<16, .*Kernel<3>, .*Padding::same, .*ReLU>, .*reads_timesteps_to_come
// TITLE: A stream over a convolution whose 'same' padding reads the next frame
// SEED: -
// KERAS: no streaming mode: fed one frame at a time, Conv1D(padding='same') pads every frame on both sides and computes something else, silently
// FIX: pad on the left alone, Padding::causal (Keras' padding='causal'): output t then reads frames up to t, and the stream answers every frame; train the model that way.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<100, 1>, Conv1D<16, Kernel<3>, Padding::same, ReLU>, GRU<32>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto stream = make_stream(net);
  Tensor<float, Shape<1>> frame{0.5f};
  auto y = stream(frame);
  float out[1];
  const bool ready = stream.step(frame.data(), out);
  stream.reset_state();
  return ready && y.size() == 1 ? 0 : 1;
}
