// EXPECT-MESSAGE: tshape: a stream takes one timestep of the model.s Input
// EXPECT-ERROR: SHAPE_MISMATCH<.*at_stream_input, .*expected_frame_shape<.*Shape<1> ?>, .*but_got_shape<64, 1>
// TITLE: A whole window fed to a stream that takes one reading at a time
// SEED: -
// KERAS: a stateful LSTM fed a (64, 1) batch treats it as 64 samples of a single timestep, or fails on the rank
// FIX: give the stream one timestep, Stream::frame_shape (here one reading); the window goes to net(x).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64, 1>, LSTM<32, ReturnSequences>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto stream = make_stream(net);
  Tensor<float, Shape<64, 1>> window;
  auto y = stream(window);
  (void)y;
}
