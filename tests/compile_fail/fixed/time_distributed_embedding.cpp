#include <tshape/tshape.hpp>
using namespace tshape;

// The Embedding first, on the document's (12, 20) int ids: (12, 20, 16), one vector per word.
using Net = Sequential<Input<12, 20>, Embedding<1000, 16>, Reshape<12, 320>, GlobalAveragePooling1D, Dense<3, Softmax>>;
static_assert(std::is_same_v<Net::output_shape, Shape<3>>);

int main() {
  auto net = make_model<Net>();
  Tensor<int, Shape<2, 12, 20>> ids;
  ids.fill(7);
  auto y = net(ids);
  for (int n = 0; n < 2; ++n) {
    const float sum = y(n, 0) + y(n, 1) + y(n, 2);
    if (sum < 0.999f || sum > 1.001f) return 1;
  }
  return y.size() == 6 ? 0 : 1;
}
