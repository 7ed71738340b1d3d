// EXPECT-MESSAGE: tshape: make_stream: this layer needs timesteps that have not come yet
// EXPECT-ERROR: NOT_STREAMABLE<.*at_layer<0>, .*Flatten, .*mixes_timesteps
// TITLE: A stream over a Flatten that was meant to flatten each frame
// SEED: -
// KERAS: Flatten() on (None, 50, 8, 2) gives (None, 800): it flattens the time axis too, so the model needs all 50 frames before its first output
// FIX: reshape each frame alone, keeping the time axis first: Reshape<50, 16> (or Reshape<-1, 16>), as TimeDistributed(Flatten()) would.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<50, 8, 2>, Flatten, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto stream = make_stream(net);
  (void)stream;
}
