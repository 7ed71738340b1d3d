// EXPECT-MESSAGE: tshape: the layer.s options cannot apply to its input
// EXPECT-ERROR: INVALID_OPTION<.*at_layer<0>, .*MultiHeadAttention<4, 16, .*ReturnAttentionScores>, .*ReturnAttentionScores, .*return_attention_scores_gives_two_tensors_so_the_layer_goes_in_a_functional_model
// TITLE: Attention scores from a layer of a Sequential
// SEED: -
// KERAS: a tuple (output, scores) handed to the next layer, which fails on it (or, in Keras 3, a Sequential that refuses a layer of two outputs)
// FIX: call the layer on a functional tensor, which gives two: auto [out, scores] = MultiHeadAttention<4, 16, ReturnAttentionScores>{}(x), then model(x, outputs(out, scores)).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 64>, MultiHeadAttention<4, 16, ReturnAttentionScores>, GlobalAveragePooling1D,
                       Dense<2, Softmax>>;

Net::output_shape y;
