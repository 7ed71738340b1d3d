// Compile-time benchmark (b): a 200-layer Sequential MLP, 100 x (Dense<64>, ReLU), run on one batch.
#include <tshape/tshape.hpp>

#include <utility>

using namespace tshape;

// 100 (Dense, ReLU) pairs, as a generated model would be written.
template <std::size_t... I>
auto mlp(std::index_sequence<I...>) -> Sequential<Input<64>, std::conditional_t<(I % 2 == 0), Dense<64>, ReLU>...>;
using Net = decltype(mlp(std::make_index_sequence<200>{}));
static_assert(Net::param_count == 100 * (64 * 64 + 64));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 64>> x;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) x.data()[i] = static_cast<float>(i % 5) * 0.2f;
  const auto y = net(x);
  return y.data()[0] >= 0.0f ? 0 : 1;
}
