// MultiHeadAttention's attention scores (ReturnAttentionScores, Keras' return_attention_scores=True):
// the two tensors of a functional call, their shapes and summary rows, the values against Keras'
// math in NumPy and PyTorch's nn.MultiheadAttention(average_attn_weights=False) (self- and
// cross-attention, causal and not, batch 1 and 2), the output unchanged by the option, the rule in a
// Sequential, and gradients through both outputs.
#include <tshape/tshape.hpp>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;

namespace scores_test {
template <class... O>
using Attn = MultiHeadAttention<2, 3, O...>;

constexpr auto x = Input<5, 6>{};
constexpr auto self = Attn<ReturnAttentionScores>{}(x);
constexpr auto self_causal = Attn<UseCausalMask, ReturnAttentionScores>{}(x);
using Self = decltype(model(x, outputs(self.output, self.scores)));
using SelfCausal = decltype(model(x, outputs(self_causal.output, self_causal.scores)));
using Plain = decltype(model(x, Attn<>{}(x)));
using PlainCausal = decltype(model(x, Attn<UseCausalMask>{}(x)));

constexpr auto query = Input<3, 6>{};
constexpr auto value = Input<5, 4>{};
constexpr auto cross = Attn<ReturnAttentionScores>{}(query, value);
constexpr auto cross_causal = Attn<UseCausalMask, ReturnAttentionScores>{}(query, value);
using Cross = decltype(model(inputs(query, value), outputs(cross.output, cross.scores)));
using CrossCausal = decltype(model(inputs(query, value), outputs(cross_causal.output, cross_causal.scores)));
using PlainCross = decltype(model(inputs(query, value), Attn<>{}(query, value)));

// The shapes: the output as without the option, the scores (heads, query steps, key steps).
static_assert(std::is_same_v<Self::output_shape_at<0>, Shape<5, 6>> && std::is_same_v<Self::output_shape_at<1>, Shape<2, 5, 5>>);
static_assert(std::is_same_v<Cross::output_shape_at<0>, Shape<3, 6>> && std::is_same_v<Cross::output_shape_at<1>, Shape<2, 3, 5>>);
// The weights are the layer's: Keras' count, as without the option.
static_assert(Self::param_count == Plain::param_count && Self::param_count == 2 * (6 * 6 + 6) + (6 * 6 + 6) + (6 * 6 + 6));
static_assert(Cross::param_count == PlainCross::param_count);
// Structured bindings name the two, as Keras' `out, scores = mha(q, v, return_attention_scores=True)`.
constexpr bool binds = [] {
  auto [out, scores] = Attn<ReturnAttentionScores>{}(query, value);
  (void)out;
  (void)scores;
  return std::is_same_v<decltype(out), decltype(cross.output)> && std::is_same_v<decltype(scores), decltype(cross.scores)>;
}();
static_assert(binds);
// The summary: the layer (its packed [output | scores] per sample), then the two weightless parts.
constexpr auto self_summary = summary<Self>();
static_assert(self_summary.rows[1].name == "multi_head_attention" && self_summary.rows[1].class_name == "MultiHeadAttention");
static_assert(self_summary.rows[1].params == 168);
static_assert(self_summary.rows[2].class_name == "AttentionOutput" && self_summary.rows[2].output_shape == "(None, 5, 6)");
static_assert(self_summary.rows[3].class_name == "AttentionScores" && self_summary.rows[3].output_shape == "(None, 2, 5, 5)");
// In a Sequential (one tensor between layers) the option is an error.
static_assert(is_mismatch_v<decltype(Attn<ReturnAttentionScores>::infer(Shape<5, 6>{}))>);
static_assert(!is_mismatch_v<decltype(Attn<ReturnAttentionScores>::self_rule(Shape<5, 6>{}))>);
}  // namespace scores_test

namespace {
const char* const weight_names[] = {"query.kernel", "query.bias", "key.kernel", "key.bias", "value.kernel",
                                    "value.bias", "attention_output.kernel", "attention_output.bias"};

template <class Model>
auto loaded(const tshape_test::reference& ref, const std::string& prefix) {
  auto net = make_model<Model>();
  int i = 0;
  for_each_weight(*net, [&](const weight_ref& w) { ref.copy_to(prefix + "." + weight_names[i++], w.values); });
  REQUIRE(i == 8);
  return net;
}

template <class T>
std::vector<double> second_half(const T& values) {
  return std::vector<double>(values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2), values.end());
}
}  // namespace

TEST_CASE("MultiHeadAttention's scores: self-attention matches Keras' math and torch", "[layers][attention]") {
  tshape_test::reference ref("attention_scores.txt");
  auto check = [&]<class Model, class PlainModel>(const std::string& tag) {
    INFO(tag);
    auto net = loaded<Model>(ref, "self");
    Tensor<float, Shape<2, 5, 6>> x;
    ref.copy_to("self.query", x);
    const auto [y, scores] = (*net)(x);
    static_assert(std::is_same_v<std::decay_t<decltype(scores)>, Tensor<float, Shape<2, 2, 5, 5>>>);
    tshape_test::require_close(y, ref[tag + ".y"].values, 1e-5, 1e-5);
    tshape_test::require_close(scores, ref[tag + ".scores"].values, 1e-6, 1e-5);
    // The output is the layer's without the option, bit for bit.
    auto plain = loaded<PlainModel>(ref, "self");
    const auto y_plain = (*plain)(x);
    for (std::ptrdiff_t i = 0; i < y.size(); ++i) REQUIRE(y.data()[i] == y_plain.data()[i]);
    // A dyn batch, and one sample (the second).
    Tensor<float, Shape<dyn, 5, 6>> xd(2);
    ref.copy_to("self.query", xd);
    const auto [yd, sd] = (*net)(xd);
    tshape_test::require_close(sd, ref[tag + ".scores"].values, 1e-6, 1e-5);
    Tensor<float, Shape<1, 5, 6>> x1;
    std::copy_n(x.data() + 30, 30, x1.data());
    const auto [y1, s1] = (*net)(x1);
    tshape_test::require_close(y1, second_half(ref[tag + ".y"].values), 1e-5, 1e-5);
    tshape_test::require_close(s1, second_half(ref[tag + ".scores"].values), 1e-6, 1e-5);
  };
  check.template operator()<scores_test::Self, scores_test::Plain>("self");
  check.template operator()<scores_test::SelfCausal, scores_test::PlainCausal>("self_causal");
}

TEST_CASE("MultiHeadAttention's scores: cross-attention matches Keras' math and torch", "[layers][attention]") {
  tshape_test::reference ref("attention_scores.txt");
  auto check = [&]<class Model>(const std::string& tag) {
    INFO(tag);
    auto net = loaded<Model>(ref, "cross");
    Tensor<float, Shape<2, 3, 6>> xq;
    Tensor<float, Shape<2, 5, 4>> xv;
    ref.copy_to("cross.query", xq);
    ref.copy_to("cross.value", xv);
    const auto [y, scores] = (*net)(xq, xv);
    tshape_test::require_close(y, ref[tag + ".y"].values, 1e-5, 1e-5);
    tshape_test::require_close(scores, ref[tag + ".scores"].values, 1e-6, 1e-5);
    Tensor<float, Shape<1, 3, 6>> q1;
    Tensor<float, Shape<1, 5, 4>> v1;
    std::copy_n(xq.data() + 18, 18, q1.data());
    std::copy_n(xv.data() + 20, 20, v1.data());
    const auto [y1, s1] = (*net)(q1, v1);
    tshape_test::require_close(y1, second_half(ref[tag + ".y"].values), 1e-5, 1e-5);
    tshape_test::require_close(s1, second_half(ref[tag + ".scores"].values), 1e-6, 1e-5);
  };
  check.template operator()<scores_test::Cross>("cross");
  check.template operator()<scores_test::CrossCausal>("cross_causal");
  // Each row of weights sums to 1; the causal ones are 0 past the query's own step.
  auto net = loaded<scores_test::CrossCausal>(ref, "cross");
  Tensor<float, Shape<2, 3, 6>> xq;
  Tensor<float, Shape<2, 5, 4>> xv;
  ref.copy_to("cross.query", xq);
  ref.copy_to("cross.value", xv);
  const auto scores = std::get<1>((*net)(xq, xv));
  for (int b = 0; b < 2; ++b)
    for (int h = 0; h < 2; ++h)
      for (int i = 0; i < 3; ++i) {
        float sum = 0;
        for (int j = 0; j < 5; ++j) {
          sum += scores(b, h, i, j);
          if (j > i) REQUIRE(scores(b, h, i, j) == 0.0f);
        }
        REQUIRE(std::fabs(sum - 1.0f) < 1e-5f);
      }
}

TEST_CASE("MultiHeadAttention's scores: gradients through the output and the scores", "[layers][attention][train]") {
  tshape_test::gradient_check_options o;
  o.eps = 1e-3;
  o.tolerance = 5e-3;
  // Self-attention, both outputs read by one loss (the scores' gradient joins the softmax's).
  constexpr auto x = Input<4, 5>{};
  constexpr auto a = MultiHeadAttention<2, 3, ValueDim<2>, UseCausalMask, ReturnAttentionScores>{}(x);
  using SelfNet = decltype(model(x, Concatenate<>{}(Flatten{}(a.output), Flatten{}(a.scores))));
  tshape_test::check_gradients<SelfNet>(2, o);
  // The scores alone: the output's part gets no gradient.
  constexpr auto b = MultiHeadAttention<2, 3, ReturnAttentionScores>{}(x);
  using ScoresNet = decltype(model(x, Dense<3, Tanh>{}(Flatten{}(b.scores))));
  tshape_test::check_gradients<ScoresNet>(1, o);
  // Cross-attention: the query is three of the value's steps.
  constexpr auto q = Cropping1D<1, 1>{}(x);
  constexpr auto c = MultiHeadAttention<2, 2, ReturnAttentionScores>{}(q, x);
  using CrossNet = decltype(model(x, Concatenate<>{}(Flatten{}(c.output), Flatten{}(c.scores))));
  static_assert(std::is_same_v<CrossNet::output_shape, Shape<2 * 5 + 2 * 2 * 4>>);
  tshape_test::check_gradients<CrossNet>(3, o);
}
