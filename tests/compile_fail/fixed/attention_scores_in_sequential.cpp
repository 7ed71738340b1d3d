#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto x = Input<10, 64>{};
constexpr auto attended = MultiHeadAttention<4, 16, ReturnAttentionScores>{}(x);
constexpr auto probabilities = Dense<2, Softmax>{}(GlobalAveragePooling1D{}(attended.output));
using Net = decltype(model(x, outputs(probabilities, attended.scores)));
static_assert(std::is_same_v<Net::output_shape_at<0>, Shape<2>>);
static_assert(std::is_same_v<Net::output_shape_at<1>, Shape<4, 10, 10>>);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 10, 64>> in;
  in.fill(0.25f);
  const auto [p, scores] = (*net)(in);
  return p.size() == 2 && scores.size() == 400 ? 0 : 1;
}
