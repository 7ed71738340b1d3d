// EXPECT-MESSAGE: tshape: forward\(x, y\): y does not have the shape of the model.s output for x.s batch
// EXPECT-ERROR: OUTPUT_MISMATCH<.*at_model_output, .*expected_output_shape<32, 10>, .*but_got_shape<16, 10>
// TITLE: An output buffer for a smaller batch than the input
// SEED: -
// KERAS: none (Keras allocates every result); a C runtime that fills a caller's buffer writes past its end
// FIX: one output row per input sample: y's batch is x's.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<10>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 20>> x;
  Tensor<float, Shape<16, 10>> y;
  net->forward(x, y);
}
