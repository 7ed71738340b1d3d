// Compile-time benchmark (f): the everyday model of (e) as a ported Keras model is first used: its
// summary printed, its weights saved in Keras' names, one batch run. No training step.
#include <tshape/tshape.hpp>

#include "everyday_net.hpp"

using namespace tshape;

int main() {
  auto net = make_model<EverydayNet>();
  print_summary<EverydayNet>();
  save_weights(net, "everyday.weights.npz");
  const auto p = net(everyday_batch());
  return p.data()[0] >= 0.0f ? 0 : 1;
}
