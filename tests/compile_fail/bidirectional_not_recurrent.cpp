// EXPECT-MESSAGE: tshape: Bidirectional wraps a recurrent layer \(GRU, LSTM or SimpleRNN\)
// EXPECT-ERROR: NOT_RECURRENT<.*at_layer<1>, .*Bidirectional<.*Dense<16>.*layer_is_not_recurrent<.*Dense<16>
// TITLE: Bidirectional around a layer that is not recurrent
// SEED: -
// KERAS: KeyError: 'go_backwards' (Bidirectional builds its backward copy by flipping the wrapped layer's go_backwards, which Dense has not)
// FIX: wrap a recurrent layer (GRU, LSTM, SimpleRNN); a Dense on each timestep needs no wrapper.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20, 8>, GRU<16, ReturnSequences>, Bidirectional<Dense<16>>, Dense<1>>;

Net::output_shape y;
