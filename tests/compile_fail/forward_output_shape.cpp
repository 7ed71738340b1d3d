// EXPECT-MESSAGE: tshape: forward\(x, y\): y does not have the shape of the model.s output for x.s batch
// EXPECT-ERROR: OUTPUT_MISMATCH<.*at_model_output, .*expected_output_shape<32, 10>, .*but_got_shape<32, 1>
// TITLE: An output buffer sized for another model
// SEED: -
// KERAS: none (Keras allocates every result); a C runtime that fills a caller's buffer writes past its end
// FIX: give forward the output the model has: here 10 scores per sample (Net::output_shape).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 20>> x;
  Tensor<float, Shape<32, 1>> scores;
  net->forward(x, scores);
}
