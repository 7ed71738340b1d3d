// EXPECT-MESSAGE: tshape: Input<...> gives one sample.s extents, each static and positive
// EXPECT-ERROR: INPUT_NOT_STATIC<.*at_model_input, .*input_extents<.*None, 8>
// TITLE: Input<dyn, 8>: Keras' Input(shape=(None, 8)) for sequences of any length
// SEED: -
// KERAS: (no error: Keras takes shape=(None, 8) and runs sequences of any length, each batch padded to its longest)
// FIX: declare the length the model runs on, Input<100, 8>, and pad or cut the sequences to it (Keras' pad_sequences); a Sequential also runs as a stream, one timestep per call, on sequences of any length (make_stream).
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<dyn, 8>, GRU<16>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 100, 8>> x;
  x.fill(0.25f);
  auto y = net(x);
  return y.size() == 2 ? 0 : 1;
}
