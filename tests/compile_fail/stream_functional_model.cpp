// EXPECT-MESSAGE: tshape: make_stream runs a Sequential model one frame at a time
// EXPECT-ERROR: NOT_STREAMABLE<.*at_model_call, .*Model<.*Inputs<.*Input<50, 3> ?>, .*streams_run_a_Sequential_model
// TITLE: A stream over a functional model
// SEED: -
// KERAS: no streaming mode: a stateful RNN is rebuilt with batch_input_shape and fed (1, 1, features) slices by hand
// FIX: write the chain as Sequential<Input<50, 3>, Conv1D<...>, GRU<16>, Dense<1>>: its weights keep their order and names, and make_stream runs it one frame at a time.
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto samples = Input<50, 3>{};
constexpr auto features = Conv1D<8, Kernel<3>, Padding::causal, ReLU>{}(samples);
constexpr auto level = Dense<1>{}(GRU<16>{}(features));
using Net = decltype(model(samples, level));

int main() {
  auto net = make_model<Net>();
  auto stream = make_stream(net);
  Tensor<float, Shape<3>> frame{0.1f, 0.2f, 0.3f};
  auto y = stream(frame);
  return y.size() == 1 ? 0 : 1;
}
