// A small transformer encoder that classifies token sequences: token and position embeddings, two
// pre-norm encoder blocks (x + MHA(LN(x)), then x + FFN(LN(x))), the mean over time and a softmax.
// The Keras code it mirrors:
//
//   tokens = keras.Input((32,), dtype="int32")
//   x = Embedding(64, 32)(tokens)
//   x = Add()([x, keras_hub.layers.PositionEmbedding(32)(x)])
//   for _ in range(2):
//       h = LayerNormalization()(x)
//       x = Add()([x, MultiHeadAttention(2, 16)(h, h)])  # self-attention
//       h = Dense(32)(Dense(64, activation="relu")(LayerNormalization()(x)))
//       x = Add()([x, h])
//   out = Dense(2, activation="softmax")(GlobalAveragePooling1D()(x))
//
// (Keras' Dense on (T, d) acts on the last axis: here TimeDistributed<Dense>, the same weights.)
#pragma once
#include <tshape/tshape.hpp>

namespace transformer {
using namespace tshape;

constexpr int sequence = 32, vocabulary = 64, d_model = 32, heads = 2, key_dim = 16, ffn = 64;

/// One pre-norm encoder block on a functional tensor of (sequence, d_model).
constexpr auto encoder_block(auto x) {
  const auto attended = Add{}(x, MultiHeadAttention<heads, key_dim>{}(LayerNormalization<>{}(x)));
  const auto hidden = TimeDistributed<Dense<ffn, ReLU>>{}(LayerNormalization<>{}(attended));
  return Add{}(attended, TimeDistributed<Dense<d_model>>{}(hidden));
}

constexpr auto tokens = Input<sequence>{};
constexpr auto embedded = Embedding<vocabulary, d_model>{}(tokens);
constexpr auto positioned = Add{}(embedded, PositionEmbedding<sequence>{}(embedded));
constexpr auto encoded = encoder_block(encoder_block(positioned));
constexpr auto scores = Dense<2, Softmax>{}(GlobalAveragePooling1D{}(encoded));
using Net = decltype(model(tokens, scores));

}  // namespace transformer
