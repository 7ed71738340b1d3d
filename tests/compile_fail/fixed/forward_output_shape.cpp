#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 20>> x;
  Tensor<float, prepend_t<32, Net::output_shape>> scores;
  net->forward(x, scores);
  return scores(0, 0) == 0.1f ? 0 : 1;  // zero inputs and biases: a uniform softmax
}
