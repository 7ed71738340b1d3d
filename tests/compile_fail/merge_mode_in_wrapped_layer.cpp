// EXPECT-MESSAGE: tshape: the layer does not take this option
// EXPECT-ERROR: UNKNOWN_OPTION<.*at_layer<0>, .*Bidirectional<.*GRU<32, .*ReturnSequences, .*MergeMode::sum>.*not_an_option_of_it<.*MergeMode::sum>.*it_takes<.*ReturnSequences, .*GoBackwards
// TITLE: Bidirectional's merge mode given to the GRU it wraps
// SEED: -
// KERAS: TypeError: ('Keyword argument not understood:', 'merge_mode')
// FIX: merge_mode belongs to the wrapper, as in Keras' Bidirectional(GRU(32, return_sequences=True), merge_mode="sum"): Bidirectional<GRU<32, ReturnSequences>, MergeMode::sum>.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<50, 8>, Bidirectional<GRU<32, ReturnSequences, MergeMode::sum>>, GlobalAveragePooling1D,
                       Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 50, 8>> x;
  auto y = net(x);
  std::printf("%f\n", y(0, 0));
}
