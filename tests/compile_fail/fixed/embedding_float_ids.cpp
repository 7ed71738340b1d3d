#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Embedding<1000, 16>, GlobalAveragePooling1D, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<dyn, 20>> reviews(32);  // token ids, read from a float array
  reviews.fill(7.0f);
  auto p = net(cast<int>(reviews));
  return p.extent(0) == 32 && p.extent(1) == 1 ? 0 : 1;
}
