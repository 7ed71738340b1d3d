// EXPECT-MESSAGE: tshape: make_stream: this layer needs timesteps that have not come yet
// EXPECT-ERROR: NOT_STREAMABLE<.*at_layer<0>, .*GRU<32, .*GoBackwards>, .*reads_whole_sequence
// TITLE: A stream over a model that reads its sequence backwards
// SEED: -
// KERAS: no error: a stateful GRU(go_backwards=True) fed one timestep per call computes a forward GRU, silently
// FIX: stream models whose recurrent layers run forwards; GoBackwards and Bidirectional need the whole sequence (run the model on it instead).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<100, 8>, GRU<32, GoBackwards>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto stream = make_stream(net);
  (void)stream;
}
