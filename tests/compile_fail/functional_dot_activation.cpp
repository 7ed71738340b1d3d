// EXPECT-MESSAGE: tshape: the layer does not take this option
// EXPECT-ERROR: UNKNOWN_OPTION<.*Dot<.*Axes<2>, .*Softmax>, .*not_an_option_of_it<.*Softmax>, .*it_takes<.*Axes<>, .*Normalize<true> ?>
// TITLE: Dot<Axes<2>, Softmax>: attention weights asked of Dot, which has no activation
// SEED: -
// KERAS: ValueError: Unrecognized keyword arguments passed to Dot: {'activation': 'softmax'}
// FIX: Dot takes its axes and Normalize only; put the Softmax after it as a layer of its own: Softmax{}(Dot<Axes<2>>{}(queries, keys)).
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto queries = Input<10, 16>::named<"queries">{};
constexpr auto keys = Input<12, 16>::named<"keys">{};
constexpr auto attention = Dot<Axes<2>, Softmax>{}(queries, keys);  // Softmax is not an option of Dot
using Net = decltype(model(inputs(queries, keys), attention));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 10, 16>> q;
  Tensor<float, Shape<1, 12, 16>> k;
  auto w = net(q, k);
  std::printf("%f\n", w(0, 0, 0));
}
