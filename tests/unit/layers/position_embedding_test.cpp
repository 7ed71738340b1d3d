// PositionEmbedding (keras_hub's): its rules, names and initializer, the numbers of the broadcast table
// and of x + table with its gradients (tests/reference/make_position_embedding.py), in a Sequential
// through Residual and in a functional model through Add, and finite differences.
#include <tshape/tshape.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;

// The output has the input's shape; the rules.
static_assert(std::is_same_v<decltype(PositionEmbedding<10>::infer(Shape<10, 16>{})), Shape<10, 16>>);
static_assert(std::is_same_v<decltype(PositionEmbedding<10>::infer(Shape<7, 16>{})), Shape<7, 16>>);
static_assert(std::is_same_v<decltype(PositionEmbedding<4>::infer(Shape<2, 3, 5>{})), Shape<2, 3, 5>>);
static_assert(std::is_same_v<decltype(PositionEmbedding<10>::infer(Shape<16>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank_at_least<2>, error::but_got_shape<error::None, 16>>>);
static_assert(std::is_same_v<decltype(PositionEmbedding<10>::infer(Shape<12, 16>{})),
                             mismatch<error::INVALID_OPTION, error::sequence_length<10>, error::input_timesteps<12>,
                                      error::but_got_shape<error::None, 12, 16>>>);
static_assert(std::is_same_v<decltype(PositionEmbedding<0>::infer(Shape<12, 16>{})),
                             mismatch<error::BAD_OPTION_VALUE, error::sequence_length<0>>>);

// Keras' summary row and parameter count: (sequence_length, d), whatever the input's timesteps.
using Summarized = Sequential<Input<6, 16>, PositionEmbedding<10>>;
static_assert(summary<Summarized>().rows[0].name == "position_embedding");
static_assert(summary<Summarized>().rows[0].class_name == "PositionEmbedding");
static_assert(summary<Summarized>().rows[0].output_shape == "(None, 6, 16)");
static_assert(summary<Summarized>().total_params == 10 * 16);

// Added to the input in a functional model, as keras_hub's examples do.
constexpr auto tokens = Input<6, 4>{};
constexpr auto with_positions = Add{}(tokens, PositionEmbedding<6>{}(tokens));
using Functional = decltype(model(tokens, with_positions));

namespace {

/// Runs Net (one layer with the table, as layer<0>... or through `table`) on reference case `name`.
template <class Net, class Table>
std::vector<float> run(Net& net, const std::string& name, Table table, int batch) {
  const tshape_test::reference ref("position_embedding.txt");
  ref.copy_to(name + ".embeddings", table(net));
  std::vector<float> x(static_cast<std::size_t>(batch) * detail::sample_size<typename std::remove_cvref_t<decltype(*net)>::input_shape>);
  ref.copy_to(name + ".x", x);
  std::vector<float> y(x.size());
  std::vector<float> arena(std::remove_cvref_t<decltype(*net)>::arena_floats(batch) + 16);
  net->run_forward(x.data(), y.data(), batch, arena.data());
  return y;
}

/// Sequential<In, Residual<PositionEmbedding<L>>> on case `name`: y = x + p, dL/dtable and dL/dx.
template <class In, int L, int B>
void check_case(const std::string& name) {
  INFO(name);
  const tshape_test::reference ref("position_embedding.txt");
  {  // The layer alone: the table broadcast.
    auto net = make_model<Sequential<In, PositionEmbedding<L>>>();
    const auto p = run(net, name, [](auto& n) { return layer<0>(n).embeddings(); }, B);
    tshape_test::require_close(p, ref[name + ".p"].values, 1e-6, 1e-7);
  }
  using Net = Sequential<In, Residual<PositionEmbedding<L>>>;
  auto net = make_model<Net>();
  auto table = [](auto& n) { return layer<0>(n).template layer<0>().embeddings(); };
  const auto y = run(net, name, table, B);
  tshape_test::require_close(y, ref[name + ".y"].values, 1e-6, 1e-6);
  // Gradients for dL/dy = r.
  std::vector<float> x(y.size()), r(y.size()), dx(y.size()), out(y.size());
  ref.copy_to(name + ".x", x);
  ref.copy_to(name + ".r", r);
  std::vector<float> saved(Net::saved_floats(B) + 16), scratch(std::max(Net::arena_floats(B), Net::backward_scratch_floats(B)) + 16);
  auto grad = std::make_unique<Net>();
  for_each_weight(*grad, [](const weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });
  train_context ctx;
  net->forward_train(x.data(), out.data(), B, saved.data(), scratch.data(), ctx);
  tshape_test::require_close(out, y, 1e-6, 1e-7);
  net->backward(x.data(), out.data(), r.data(), dx.data(), B, saved.data(), scratch.data(), *grad, ctx);
  tshape_test::require_close(table(*grad), ref[name + ".dembeddings"].values, 1e-5, 1e-6);
  tshape_test::require_close(dx, r, 1e-6, 1e-7);  // d(x + p)/dx is the identity: p does not depend on x
}

}  // namespace

TEST_CASE("PositionEmbedding: the table broadcast, added by a Residual, against PyTorch", "[layers][position_embedding]") {
  check_case<Input<6, 4>, 6, 3>("full");
  check_case<Input<5, 3>, 8, 2>("shorter");
  check_case<Input<3, 4, 5>, 4, 2>("leading");
  check_case<Input<1, 7>, 3, 1>("single");
}

TEST_CASE("PositionEmbedding: added with Add in a functional model, as in keras_hub", "[layers][position_embedding]") {
  const tshape_test::reference ref("position_embedding.txt");
  auto net = make_model<Functional>();
  std::vector<std::string> names;
  for_each_weight(net, [&](const weight_ref& w) { names.emplace_back(w.name.view()); });
  CHECK(names == std::vector<std::string>{"position_embedding/embeddings"});
  set_weights(net, [&] {
    std::vector<float> v(6 * 4);
    ref.copy_to("full.embeddings", v);
    return v;
  }());
  Tensor<float, Shape<3, 6, 4>> x;
  ref.copy_to("full.x", x);
  tshape_test::require_close(net(x), ref["full.y"].values, 1e-6, 1e-6);
}

TEST_CASE("PositionEmbedding: Keras' glorot_uniform over (sequence_length, d)", "[layers][position_embedding]") {
  auto net = make_model<Sequential<Input<5, 12>, PositionEmbedding<20>>>(3);
  const float limit = std::sqrt(6.0f / (20 + 12));
  float most = 0.0f;
  for (float v : layer<0>(net).embeddings()) most = std::max(most, std::fabs(v));
  CHECK(most <= limit);
  CHECK(most > 0.8f * limit);
}

TEST_CASE("PositionEmbedding: gradients against finite differences", "[layers][position_embedding][train]") {
  using tshape_test::check_gradients;
  check_gradients<Sequential<Input<5, 3>, Residual<PositionEmbedding<8>>, Dense<2, Tanh>>>(3);
  check_gradients<Sequential<Input<2, 3, 4>, Dense<4, Tanh>, Residual<PositionEmbedding<3>>, Flatten, Dense<2>>>(2);
  check_gradients<Sequential<Input<4, 2>, PositionEmbedding<4>, Dense<3, Sigmoid>>>(1);  // dx is 0
  // A frozen table: no gradient.
  using Net = Sequential<Input<4, 2>, PositionEmbedding<4>>;
  auto net = make_model<Net>(1);
  auto grad = std::make_unique<Net>();
  for_each_weight(*grad, [](const weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });
  std::vector<float> x(2 * 8, 1.0f), y(2 * 8), dy(2 * 8, 1.0f), dx(2 * 8, 5.0f);
  train_context ctx;
  ctx.trainable = false;
  net->forward_train(x.data(), y.data(), 2, nullptr, nullptr, ctx);
  net->backward(x.data(), y.data(), dy.data(), dx.data(), 2, nullptr, nullptr, *grad, ctx);
  for (float v : flat_weights(*grad)) CHECK(v == 0.0f);
  for (float v : dx) CHECK(v == 0.0f);
}
