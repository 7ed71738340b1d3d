// Compile-time benchmark (e): an everyday 7-layer model (a Conv1D front, a bidirectional GRU, a dense
// head), run on one batch and trained one step.
#include <tshape/tshape.hpp>

#include "everyday_net.hpp"
#include "train_once.hpp"

using namespace tshape;

int main() {
  auto net = make_model<EverydayNet>();
  const auto x = everyday_batch();
  Tensor<int, Shape<4>> y{0, 1, 2, 3};
  const auto p = net(x);
  const float loss = train_once(net, x, y);
  return p.data()[0] >= 0.0f && loss == loss ? 0 : 1;
}
