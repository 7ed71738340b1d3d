#include <cmath>
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto queries = Input<10, 16>::named<"queries">{};
constexpr auto keys = Input<12, 16>::named<"keys">{};
// The scores from Dot, then a Softmax of its own over each query's row of 12 keys.
constexpr auto attention = Softmax{}(Dot<Axes<2>>{}(queries, keys));
using Net = decltype(model(inputs(queries, keys), attention));

static_assert(std::is_same_v<Net::output_shape, Shape<10, 12>>);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 10, 16>> q;
  Tensor<float, Shape<1, 12, 16>> k;
  for (int i = 0; i < q.size(); ++i) q[i] = static_cast<float>(i % 5) / 5.0f - 0.4f;
  for (int i = 0; i < k.size(); ++i) k[i] = static_cast<float>(i % 7) / 7.0f - 0.5f;
  Tensor<float, Shape<1, 10, 12>> w = net(q, k);
  std::printf("%f\n", w(0, 0, 0));
  // Each row is the softmax of that query's dot products with the keys.
  for (int t = 0; t < 10; ++t) {
    double scores[12], top = -1e30, sum = 0;
    for (int u = 0; u < 12; ++u) {
      scores[u] = 0;
      for (int f = 0; f < 16; ++f) scores[u] += q(0, t, f) * k(0, u, f);
      top = std::fmax(top, scores[u]);
    }
    for (double& s : scores) sum += std::exp(s - top);
    for (int u = 0; u < 12; ++u)
      if (std::fabs(w(0, t, u) - std::exp(scores[u] - top) / sum) > 1e-5) return 1;
  }
  return 0;
}
