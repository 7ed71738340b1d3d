// EXPECT-MESSAGE: tshape: Dot.s inputs differ in extent along the axes it multiplies together
// EXPECT-ERROR: DOT_MISMATCH<.*Dot<.*Axes<2>.*input_shape<.*None, 10, 8>, .*input_shape<.*None, 12, 16>
// TITLE: Attention scores as Dot<Axes<2>> of (10, 8) queries and (12, 16) keys: 8 features against 16
// SEED: -
// KERAS: ValueError: Incompatible input shapes: axis values 8 (at axis 2) != 16 (at axis 2). Full input shapes: (None, 10, 8), (None, 12, 16)
// FIX: project the queries and the keys to the same number of features (Dense<16> on each), so that axis 2 matches.
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto queries = Input<10, 8>{};
constexpr auto keys = Input<12, 16>{};
constexpr auto scores = Dot<Axes<2>>{}(queries, keys);  // (10, 12) wanted: 8 features against 16
using Net = decltype(model(inputs(queries, keys), scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 10, 8>> q;
  Tensor<float, Shape<1, 12, 16>> k;
  auto s = net(q, k);
  std::printf("%f\n", s(0, 0, 0));
}
