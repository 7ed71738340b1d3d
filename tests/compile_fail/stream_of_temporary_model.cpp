// EXPECT-MESSAGE: tshape: a stream runs on its model, which must outlive it
// EXPECT-ERROR: STREAM_OF_TEMPORARY<.*at_make_stream, .*model_ptr<.*Sequential<.*Input<64, 1>
// TITLE: make_stream(make_model<Net>()): a stream over a model that is gone at the end of the line
// SEED: -
// KERAS: (no counterpart: Keras' stateful layers live in the model object the program holds)
// FIX: name the model first, so that it outlives the stream: auto net = make_model<Net>(); auto stream = make_stream(net);
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64, 1>, LSTM<32, ReturnSequences>, Dense<1>>;

int main() {
  auto stream = make_stream(make_model<Net>());  // the model is destroyed at the semicolon
  Tensor<float, Shape<1>> frame;
  frame.fill(0.5f);
  auto y = stream(frame);
  return y.size() == 1 ? 0 : 1;
}
