// EXPECT-MESSAGE: tshape: an Embedding reads integer token ids, so it comes first in the model and takes int32 data
// EXPECT-ERROR: TOKEN_IDS_NOT_INTEGER<.*at_model_input, .*Input<20>, .*expected_dtype<int>, .*but_got_dtype<float>, .*but_got_shape<.*None, 20>
// TITLE: Token ids fed as floats
// SEED: -
// KERAS: no error: Keras' Embedding casts float inputs to int32 silently (an id of 3.7 reads row 3)
// FIX: keep the ids as integers, or convert them once where they enter with cast<int>(x).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Embedding<1000, 16>, GlobalAveragePooling1D, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 20>> reviews(32);  // token ids, read from a float array
  auto p = net(reviews);
  (void)p;
}
