// GRU, LSTM, SimpleRNN and Bidirectional: shape rules, options, parameter counts, layouts, names and
// initializers. Their numbers against PyTorch are in recurrent_reference_test.cpp.
#include <tshape/tshape.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape;

// The shape rule: (timesteps, features) -> (units), or (timesteps, units) with ReturnSequences.
static_assert(std::is_same_v<decltype(GRU<64>::infer(Shape<10, 8>{})), Shape<64>>);
static_assert(std::is_same_v<decltype(LSTM<16, ReturnSequences>::infer(Shape<10, 8>{})), Shape<10, 16>>);
static_assert(std::is_same_v<decltype(SimpleRNN<3, GoBackwards, ReturnSequences>::infer(Shape<7, 2>{})), Shape<7, 3>>);
// Rank 1 (Keras' "expected ndim=3, found ndim=2"): the model's fix, a Reshape, adds a feature axis.
static_assert(std::is_same_v<decltype(LSTM<64>::infer(Shape<5>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<2>, error::but_got_shape<error::None, 5>,
                                      error::fix_with_layer_before_it<Reshape<5, 1>>>>);
static_assert(std::is_same_v<decltype(GRU<4>::infer(Shape<5, 6, 7>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<2>,
                                      error::but_got_shape<error::None, 5, 6, 7>, error::fix_with_layer_before_it<Reshape<5, 42>>>>);
// Bidirectional concatenates; around a non-recurrent layer it is an option error.
static_assert(std::is_same_v<decltype(Bidirectional<GRU<16>>::infer(Shape<10, 8>{})), Shape<32>>);
static_assert(std::is_same_v<decltype(Bidirectional<LSTM<16, ReturnSequences>>::infer(Shape<10, 8>{})), Shape<10, 32>>);
static_assert(std::is_same_v<decltype(Bidirectional<Dense<4>>::infer(Shape<10, 8>{})),
                             mismatch<error::NOT_RECURRENT, error::layer_is_not_recurrent<Dense<4>>>>);
static_assert(is_mismatch_v<decltype(Bidirectional<GRU<4>>::infer(Shape<8>{}))>);
// Keras' merge_mode: sum, mul and ave keep the wrapped layer's units; concat is the default.
static_assert(std::is_same_v<decltype(Bidirectional<GRU<16>, MergeMode::sum>::infer(Shape<10, 8>{})), Shape<16>>);
static_assert(std::is_same_v<decltype(Bidirectional<LSTM<16, ReturnSequences>, MergeMode::ave>::infer(Shape<10, 8>{})),
                             Shape<10, 16>>);
static_assert(std::is_same_v<decltype(Bidirectional<GRU<16>, MergeMode::concat>::infer(Shape<10, 8>{})), Shape<32>>);
static_assert(Bidirectional<GRU<16>, MergeMode::mul>::bind<Shape<10, 8>>::param_count == 2 * 1248);
// An option that is not a merge mode, and two merge modes, are option mistakes.
static_assert(std::is_same_v<decltype(Bidirectional<GRU<4>, Padding::same>::infer(Shape<10, 8>{})),
                             mismatch<error::UNKNOWN_OPTION, error::not_an_option_of_it<Padding::same>,
                                      error::it_takes<MergeMode::concat, MergeMode::sum, MergeMode::mul, MergeMode::ave>>>);
static_assert(std::is_same_v<decltype(Bidirectional<GRU<4>, MergeMode::sum, MergeMode::ave>::infer(Shape<10, 8>{})),
                             mismatch<error::REPEATED_OPTION, error::given_together<MergeMode::sum, MergeMode::ave>>>);

// Keras' parameter counts.
static_assert(GRU<16>::bind<Shape<10, 8>>::param_count == 1248);
static_assert(GRU<16, ResetAfter<false>>::bind<Shape<10, 8>>::param_count == 1200);
static_assert(LSTM<16>::bind<Shape<10, 8>>::param_count == 1600);
static_assert(SimpleRNN<16>::bind<Shape<10, 8>>::param_count == 8 * 16 + 16 * 16 + 16);
static_assert(GRU<16, UseBias<false>>::bind<Shape<10, 8>>::param_count == 3 * (16 * 8 + 16 * 16));
static_assert(Bidirectional<LSTM<16>>::bind<Shape<10, 8>>::param_count == 3200);

// Defaults and options in any order.
static_assert(std::is_same_v<GRU<8>::activation, Tanh> && std::is_same_v<GRU<8>::recurrent_activation, Sigmoid>);
static_assert(GRU<8>::reset_after && GRU<8>::use_bias && !GRU<8>::return_sequences && !GRU<8>::go_backwards);
static_assert(std::is_same_v<LSTM<8, RecurrentActivation<Tanh>, ReLU, ReturnSequences>::activation, ReLU>);
static_assert(std::is_same_v<LSTM<8, RecurrentActivation<Tanh>, ReLU, ReturnSequences>::recurrent_activation, Tanh>);
static_assert(LSTM<8, GoBackwards, UseBias<false>>::go_backwards && !LSTM<8, GoBackwards, UseBias<false>>::use_bias);
static_assert(LSTM<8>::unit_forget_bias && !LSTM<8, UnitForgetBias<false>>::unit_forget_bias);
static_assert(std::is_same_v<GRU<8, ReturnSequences>::reversed, GRU<8, ReturnSequences, GoBackwards>>);
static_assert(std::is_same_v<GRU<8, GoBackwards, ReLU>::reversed, GRU<8, ReLU>>);
static_assert(is_recurrent_v<GRU<8>> && is_recurrent_v<LSTM<8>> && is_recurrent_v<SimpleRNN<8>> && !is_recurrent_v<Dense<8>>);

// Seed 004: GRU(64) then Dense(10) is a valid model (the GRU gives (None, 64)).
using Seed004 = Sequential<Input<20, 32>, GRU<64>, Dense<10>>;
static_assert(std::is_same_v<Seed004::output_shape, Shape<10>>);
static_assert(Seed004::param_count == 3 * (64 * 32 + 64 * 64) + 6 * 64 + 64 * 10 + 10);

namespace {
std::vector<int> dims(const weight_ref& w) { return {w.shape().begin(), w.shape().end()}; }
}  // namespace

TEST_CASE("recurrent layers: Keras' weight layouts, order and names", "[layers][recurrent]") {
  using Net = Sequential<Input<10, 8>, GRU<16, ReturnSequences>, LSTM<4, ReturnSequences>, GRU<3, ResetAfter<false>>,
                         Dense<1>>;
  auto net = make_model<Net>();
  auto w = weights(net);
  REQUIRE(w.size() == 11);
  CHECK(w[0].name == "gru/kernel");
  CHECK(dims(w[0]) == std::vector<int>{8, 48});
  CHECK(w[1].name == "gru/recurrent_kernel");
  CHECK(dims(w[1]) == std::vector<int>{16, 48});
  CHECK(w[2].name == "gru/bias");
  CHECK(dims(w[2]) == std::vector<int>{2, 48});  // reset_after: input bias, recurrent bias
  CHECK(w[3].name == "lstm/kernel");
  CHECK(dims(w[3]) == std::vector<int>{16, 16});
  CHECK(dims(w[4]) == std::vector<int>{4, 16});
  CHECK(dims(w[5]) == std::vector<int>{16});
  CHECK(w[6].name == "gru_1/kernel");
  CHECK(dims(w[8]) == std::vector<int>{9});  // reset_after=False: one row
  CHECK(w[9].name == "dense/kernel");
  CHECK(w[0].values.data() == layer<0>(net).kernel().data());
  CHECK(w[1].values.data() == layer<0>(net).recurrent_kernel().data());
  long long total = 0;
  for (auto& a : w) total += static_cast<long long>(a.values.size());
  CHECK(total == Net::param_count);
}

TEST_CASE("recurrent layers: the summary reads as Keras'", "[layers][recurrent]") {
  using Net = Sequential<Input<10, 8>, Bidirectional<GRU<16, ReturnSequences>>, GRU<4, ReturnSequences>, SimpleRNN<2>,
                         Dense<1>>;
  constexpr auto s = summary<Net>();
  static_assert(s.rows[0].name == "bidirectional" && s.rows[0].class_name == "Bidirectional");
  static_assert(s.rows[0].output_shape == "(None, 10, 32)");
  static_assert(s.rows[0].params == 2 * 1248);
  static_assert(s.rows[1].name == "gru_1" && s.rows[1].class_name == "GRU");  // the wrapped GRU took "gru"
  static_assert(s.rows[1].output_shape == "(None, 10, 4)");
  static_assert(s.rows[2].name == "simple_rnn" && s.rows[2].class_name == "SimpleRNN");
  auto net = make_model<Net>();
  auto w = weights(net);
  REQUIRE(w.size() == 14);
  CHECK(w[0].name == "bidirectional/forward_gru/kernel");
  CHECK(w[2].name == "bidirectional/forward_gru/bias");
  CHECK(w[3].name == "bidirectional/backward_gru/kernel");
  CHECK(w[5].name == "bidirectional/backward_gru/bias");
  CHECK(w[6].name == "gru_1/kernel");
  CHECK(w[0].values.data() == layer<0>(net).forward_layer().kernel().data());
  CHECK(w[3].values.data() == layer<0>(net).backward_layer().kernel().data());
}

TEST_CASE("recurrent layers: a wrapped layer keeps the name it took, as in Keras", "[layers][recurrent]") {
  // Keras: gru, then Bidirectional(GRU(8)) whose GRU is gru_1, then Bidirectional(LSTM(2)).
  using Net = Sequential<Input<10, 8>, GRU<16, ReturnSequences>, Bidirectional<GRU<8, ReturnSequences>>,
                         Bidirectional<LSTM<2>>>;
  auto net = make_model<Net>();
  auto w = weights(net);
  REQUIRE(w.size() == 15);
  CHECK(w[0].name == "gru/kernel");
  CHECK(w[3].name == "bidirectional/forward_gru_1/kernel");
  CHECK(w[6].name == "bidirectional/backward_gru_1/kernel");
  CHECK(w[8].name == "bidirectional/backward_gru_1/bias");
  CHECK(w[9].name == "bidirectional_1/forward_lstm/kernel");
  CHECK(w[14].name == "bidirectional_1/backward_lstm/bias");
  constexpr auto s = summary<Net>();
  static_assert(s.rows[1].name == "bidirectional" && s.rows[2].name == "bidirectional_1");
}

TEST_CASE("recurrent layers: Keras' initializers", "[layers][recurrent]") {
  using Net = Sequential<Input<5, 8>, LSTM<6, ReturnSequences>, GRU<4, ReturnSequences>, SimpleRNN<3, UseBias<false>>>;
  auto net = make_model<Net>(7);
  // glorot_uniform kernel: within sqrt(6 / (fan_in + fan_out)), fan_out = gates * units.
  const float limit = std::sqrt(6.0f / (8 + 24));
  for (float v : layer<0>(net).kernel()) CHECK(std::fabs(v) <= limit);
  // Orthogonal recurrent kernel (units, gates*units): orthonormal rows.
  auto check_orthonormal_rows = [](auto m, int rows, int cols) {
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < rows; ++j) {
        double d = 0;
        for (int k = 0; k < cols; ++k) d += static_cast<double>(m(i, k)) * m(j, k);
        CHECK(std::fabs(d - (i == j ? 1.0 : 0.0)) < 1e-5);
      }
  };
  check_orthonormal_rows(layer<0>(net).recurrent_kernel(), 6, 24);
  check_orthonormal_rows(layer<1>(net).recurrent_kernel(), 4, 12);
  check_orthonormal_rows(layer<2>(net).recurrent_kernel(), 3, 3);
  // Zero biases, except LSTM's forget gate with unit_forget_bias.
  auto b = layer<0>(net).bias();
  for (int j = 0; j < 24; ++j) CHECK(b(j) == (j >= 6 && j < 12 ? 1.0f : 0.0f));
  for (float v : layer<1>(net).bias()) CHECK(v == 0.0f);
  // Different seeds, different weights; the same seed, the same.
  auto again = make_model<Net>(7);
  auto other = make_model<Net>(8);
  CHECK(layer<1>(net).recurrent_kernel()(0, 0) == layer<1>(again).recurrent_kernel()(0, 0));
  CHECK(layer<1>(net).recurrent_kernel()(0, 0) != layer<1>(other).recurrent_kernel()(0, 0));
}

TEST_CASE("recurrent layers: static and dyn batches give the same numbers", "[layers][recurrent]") {
  using Net = Sequential<Input<6, 3>, GRU<5, ReturnSequences>, LSTM<4>, Dense<2>>;
  auto net = make_model<Net>(3);
  tshape_test::random_floats rnd(9);
  Tensor<float, Shape<4, 6, 3>> xs;
  rnd.fill(xs);
  Tensor<float, Shape<dyn, 6, 3>> xd(4);
  std::copy(xs.begin(), xs.end(), xd.begin());
  auto ys = net(xs);
  auto yd = net(xd);
  static_assert(std::is_same_v<decltype(ys), Tensor<float, Shape<4, 2>>>);
  static_assert(std::is_same_v<decltype(yd), Tensor<float, Shape<dyn, 2>>>);
  REQUIRE(yd.extent(0) == 4);
  tshape_test::require_close(ys, yd, 0, 0);
  // Each sample alone gives what it gives in the batch.
  for (int n = 0; n < 4; ++n) {
    Tensor<float, Shape<1, 6, 3>> one;
    std::copy(xs.begin() + n * 18, xs.begin() + (n + 1) * 18, one.begin());
    auto y1 = net(one);
    tshape_test::require_close(y1, std::vector<float>(ys.begin() + 2 * n, ys.begin() + 2 * n + 2), 1e-6, 1e-6);
  }
}

TEST_CASE("seed 004: GRU(64) then Dense(10) takes (samples, timesteps, features) and runs", "[layers][recurrent]") {
  // The seed's model: 10 samples of 20 timesteps with 32 features, GRU(64), Dense(10). It is valid.
  auto net = make_model<Seed004>();
  Tensor<float, Shape<10, 20, 32>> x;
  tshape_test::random_floats rnd(4);
  rnd.fill(x);
  const Tensor<float, Shape<10, 10>> y = net(x);
  for (float v : y) CHECK(std::isfinite(v));
}

TEST_CASE("seeds 003/004: ReturnSequences, then GlobalAveragePooling1D, then Dense", "[layers][recurrent]") {
  // The whole sequence of hidden states, averaged over the timesteps, then classified.
  using Net = Sequential<Input<20, 32>, GRU<64, ReturnSequences>, GlobalAveragePooling1D, Dense<10, Softmax>>;
  static_assert(std::is_same_v<Net::shape_at<1>, Shape<20, 64>>);
  static_assert(std::is_same_v<Net::shape_at<2>, Shape<64>>);
  static_assert(summary<Net>().rows[1].class_name == "GlobalAveragePooling1D");
  auto net = make_model<Net>(3);
  Tensor<float, Shape<dyn, 20, 32>> x(3);
  tshape_test::random_floats rnd(6);
  rnd.fill(x);
  auto y = net(x);
  // The same by hand: the GRU's sequence, its mean over time, then the Dense.
  auto h = Sequential<Input<20, 32>, GRU<64, ReturnSequences>>{};
  h.layer<0>() = layer<0>(net);
  auto seq = h(x);
  Tensor<float, Shape<3, 64>> mean;
  for (int b = 0; b < 3; ++b)
    for (int t = 0; t < 20; ++t)
      for (int u = 0; u < 64; ++u) mean(b, u) += seq(b, t, u) / 20.0f;
  Tensor<float, Shape<3, 10>> expected;
  layer<2>(net).forward(mean.data(), expected.data(), 3, nullptr);
  tshape_test::require_close(y, expected, 1e-5, 1e-6);
}

namespace {
// Bidirectional<Layer, Mode> against the concatenating one with the same weights: each output row is
// Mode applied to the two halves of the concatenated row (which the PyTorch references check).
template <class Layer, class Mode>
void check_merge_mode(int batch) {
  using Cat = Sequential<Input<6, 3>, Bidirectional<Layer>>;
  using Merged = Sequential<Input<6, 3>, Bidirectional<Layer, Mode>>;
  constexpr int U = Layer::units;
  static_assert(last_extent_v<typename Cat::output_shape> == 2 * U);
  static_assert(last_extent_v<typename Merged::output_shape> == U);
  static_assert(Merged::param_count == Cat::param_count);
  auto cat = make_model<Cat>(5);
  auto merged = make_model<Merged>(6);
  layer<0>(merged).forward_layer() = layer<0>(cat).forward_layer();
  layer<0>(merged).backward_layer() = layer<0>(cat).backward_layer();
  Tensor<float, Shape<dyn, 6, 3>> x(batch);
  tshape_test::random_floats rnd(11);
  rnd.fill(x);
  const auto yc = cat(x);
  const auto ym = merged(x);
  REQUIRE(static_cast<std::ptrdiff_t>(ym.size()) * 2 == static_cast<std::ptrdiff_t>(yc.size()));
  std::vector<float> expected(ym.size());
  for (std::size_t r = 0; r < expected.size() / U; ++r)
    for (int j = 0; j < U; ++j) {
      const float f = yc.data()[r * 2 * U + j], b = yc.data()[r * 2 * U + U + j];
      expected[r * U + j] = std::is_same_v<Mode, MergeMode::sum>   ? f + b
                            : std::is_same_v<Mode, MergeMode::mul> ? f * b
                                                                   : (f + b) / 2;
    }
  tshape_test::require_close(ym, expected, 1e-6, 1e-6);
}
}  // namespace

TEST_CASE("Bidirectional: merge_mode sum, mul and ave merge what concat puts side by side", "[layers][recurrent]") {
  check_merge_mode<GRU<5>, MergeMode::sum>(1);
  check_merge_mode<GRU<5, ReturnSequences>, MergeMode::sum>(3);
  check_merge_mode<LSTM<4, ReturnSequences>, MergeMode::mul>(2);
  check_merge_mode<LSTM<4, GoBackwards>, MergeMode::mul>(1);
  check_merge_mode<SimpleRNN<3, ReturnSequences, GoBackwards>, MergeMode::ave>(3);
  check_merge_mode<GRU<9, ResetAfter<false>>, MergeMode::ave>(2);
  // Keras' summary of Bidirectional(GRU(16, return_sequences=True), merge_mode="sum").
  using Net = Sequential<Input<10, 8>, Bidirectional<GRU<16, ReturnSequences>, MergeMode::sum>, Dense<1>>;
  constexpr auto s = summary<Net>();
  static_assert(s.rows[0].class_name == "Bidirectional" && s.rows[0].output_shape == "(None, 10, 16)");
  static_assert(s.rows[0].params == 2 * 1248 && s.rows[1].params == 17);
}
