#include <cmath>
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto left = Input<32>::named<"left">{};
constexpr auto right = Input<32>::named<"right">{};
// Axis 1 of each (a sample's only axis), normalized first: the cosine similarity, one per sample.
constexpr auto similarity = Dot<Axes<1>, Normalize<true>>{}(left, right);
using Net = decltype(model(inputs(left, right), similarity));

static_assert(std::is_same_v<Net::output_shape, Shape<1>>);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 32>> a, b;
  for (int i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 9) - 4.0f;
  for (int i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 5) - 1.5f;
  Tensor<float, Shape<4, 1>> s = net(a, b);
  std::printf("%f\n", s(0, 0));
  for (int n = 0; n < 4; ++n) {
    double dot = 0, aa = 0, bb = 0;
    for (int i = 0; i < 32; ++i) {
      dot += a(n, i) * b(n, i);
      aa += a(n, i) * a(n, i);
      bb += b(n, i) * b(n, i);
    }
    if (std::fabs(s(n, 0) - dot / std::sqrt(aa * bb)) > 1e-5) return 1;
  }
  return 0;
}
