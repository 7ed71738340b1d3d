#include <cmath>
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto queries = Input<10, 8>{};
constexpr auto keys = Input<12, 16>{};
// Both to 16 features, so that axis 2 matches: the scores are (10, 12).
constexpr auto projected_queries = Dense<16>{}(queries);
constexpr auto projected_keys = Dense<16>{}(keys);
constexpr auto scores = Dot<Axes<2>>{}(projected_queries, projected_keys);
using Net = decltype(model(inputs(queries, keys), scores));

static_assert(std::is_same_v<Net::output_shape, Shape<10, 12>>);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 10, 8>> q;
  Tensor<float, Shape<1, 12, 16>> k;
  for (int i = 0; i < q.size(); ++i) q[i] = static_cast<float>(i % 5) / 5.0f - 0.4f;
  for (int i = 0; i < k.size(); ++i) k[i] = static_cast<float>(i % 7) / 7.0f - 0.5f;
  Tensor<float, Shape<1, 10, 12>> s = net(q, k);
  std::printf("%f\n", s(0, 0, 0));
  // Each score is the dot product of a projected query and a projected key (the biases start at zero).
  const auto wq = layer(net, projected_queries).kernel();
  const auto wk = layer(net, projected_keys).kernel();
  for (int t = 0; t < 10; ++t)
    for (int u = 0; u < 12; ++u) {
      double expected = 0;
      for (int f = 0; f < 16; ++f) {
        double a = 0, b = 0;
        for (int i = 0; i < 8; ++i) a += q(0, t, i) * wq(i, f);
        for (int i = 0; i < 16; ++i) b += k(0, u, i) * wk(i, f);
        expected += a * b;
      }
      if (std::fabs(s(0, t, u) - expected) > 1e-4) return 1;
    }
  return 0;
}
