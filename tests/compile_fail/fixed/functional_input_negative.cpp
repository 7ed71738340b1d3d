#include <tshape/tshape.hpp>
using namespace tshape;

// Sequences of one length: 3 frames of 8 features.
constexpr auto frames = Input<3, 8>{};
constexpr auto scores = Dense<4>{}(frames);
using Net = decltype(model(frames, scores));
static_assert(Net::param_count == 8 * 4 + 4);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 3, 8>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 24 ? 0 : 1;
}
