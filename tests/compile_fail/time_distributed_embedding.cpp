// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*TimeDistributed<.*Embedding<1000, 16>.*embeds_every_id_without_TimeDistributed
// TITLE: TimeDistributed<Embedding<...>>: sentences of word ids, embedded one sentence at a time
// SEED: -
// KERAS: (no error: Keras' TimeDistributed passes the int ids through to the Embedding)
// FIX: an Embedding reads every id of its input at once: Embedding<1000, 16> on (12, 20) ids gives (12, 20, 16), what TimeDistributed(Embedding) gives in Keras; put it first, without the wrapper.
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

// 12 sentences of 20 word ids per document.
using Net = Sequential<Input<12, 20>, TimeDistributed<Embedding<1000, 16>>, Reshape<12, 320>, GlobalAveragePooling1D,
                       Dense<3, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 12, 20>> ids;
  ids.fill(7.0f);
  auto y = net(ids);
  return y.size() == 6 ? 0 : 1;
}
