#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto tokens = Input<128, 64>{};
constexpr auto x = Add{}(tokens, PositionEmbedding<128>{}(tokens));
using Net = decltype(model(tokens, Dense<2, Softmax>{}(GlobalAveragePooling1D{}(x))));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 128, 64>> sequences;
  sequences.fill(0.0f);
  auto scores = net(sequences);
  return scores.size() == 2 * 2 ? 0 : 1;
}
