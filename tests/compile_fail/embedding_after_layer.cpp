// EXPECT-MESSAGE: tshape: an Embedding reads integer token ids, so it comes first in the model and takes int32 data
// EXPECT-ERROR: TOKEN_IDS_NOT_INTEGER<.*at_layer<1>, .*Embedding<1000, 16>, .*fed_floats_by_the_layer_before_it
// TITLE: An Embedding after another layer
// SEED: -
// KERAS: no error: the Embedding casts the Dense layer's float outputs to int32 ids silently
// FIX: put the Embedding first: it reads the model's int32 token ids, and the layers after it get its floats.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<20>, Embedding<1000, 16>, GlobalAveragePooling1D, Dense<1, Sigmoid>>;

Net::output_shape y;
