// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<1>, .*MultiHeadAttention<4, 16>, .*expected_rank<2>, .*but_got_shape<.*None, 64>, .*attends_over_timesteps_of_feature_vectors
// TITLE: Self-attention over one vector per sample
// SEED: -
// KERAS: ValueError deep inside the einsum equations (the query has no sequence axis), or a model that attends over the features one by one
// FIX: give each sample a sequence axis: (timesteps, d_model), e.g. Input<T, d_model>, or a Reshape<T, d> before the attention.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64>, Dense<64, ReLU>, MultiHeadAttention<4, 16>, Dense<10, Softmax>>;

Net::output_shape y;
