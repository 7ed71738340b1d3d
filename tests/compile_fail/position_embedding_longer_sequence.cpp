// EXPECT-MESSAGE: tshape: the layer.s options cannot apply to its input
// EXPECT-ERROR: INVALID_OPTION<.*at_layer<0>, .*PositionEmbedding<100>, .*sequence_length<100>, .*input_timesteps<128>, .*but_got_shape<.*None, 128, 64>
// TITLE: PositionEmbedding with fewer positions than the sequence has timesteps
// SEED: -
// KERAS: no error when the model is built (the layer's output shape is its input's); the first call fails slicing 128 rows from the (100, 64) table
// FIX: give the table a position for every timestep, PositionEmbedding<128> (or more), or feed sequences of at most 100 timesteps.
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto tokens = Input<128, 64>{};
constexpr auto x = Add{}(tokens, PositionEmbedding<100>{}(tokens));
using Net = decltype(model(tokens, Dense<2, Softmax>{}(GlobalAveragePooling1D{}(x))));

Net::output_shape scores;
