// EXPECT-MESSAGE: tshape: Input<...> gives one sample.s extents, each static and positive
// EXPECT-ERROR: INPUT_NOT_STATIC<.*at_model_input, .*input_extents<-2, 8>
// TITLE: A functional model's Input<-2, 8>: a negative extent for a sequence of any length
// SEED: -
// KERAS: (Keras writes a sequence of any length as shape=(None, 8))
// FIX: give the sequence one length, Input<50, 8>, and pad the data to it (Keras' pad_sequences); or run the model as a stream.
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto frames = Input<-2, 8>{};
constexpr auto scores = Dense<4>{}(frames);
using Net = decltype(model(frames, scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 3, 8>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 24 ? 0 : 1;
}
