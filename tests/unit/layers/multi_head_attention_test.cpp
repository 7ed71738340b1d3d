// MultiHeadAttention as self-attention: Keras' math (NumPy, cross-checked with torch) forward and
// backward, with and without the causal mask; the kernel against its plain twin; central
// differences; Keras' layout, names and parameter counts; training.
#include <tshape/tshape.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;

using Attn = MultiHeadAttention<3, 4, ValueDim<2>>;
// The shape rule: (T, d_model) samples, the shape kept; anything else is a rank error.
static_assert(std::is_same_v<decltype(Attn::infer(Shape<5, 6>{})), Shape<5, 6>>);
static_assert(is_mismatch_v<decltype(Attn::infer(Shape<6>{}))>);
static_assert(is_mismatch_v<decltype(Attn::infer(Shape<2, 5, 6>{}))>);
// Keras' parameter count: 2 * (6*3*4 + 3*4) + (6*3*2 + 3*2) + (3*2*6 + 6) = 168 + 42 + 42.
static_assert(Attn::bind<Shape<5, 6>>::param_count == 252);
static_assert(MultiHeadAttention<2, 8>::value_dim == 8 && !MultiHeadAttention<2, 8>::causal);
static_assert(MultiHeadAttention<2, 8, UseCausalMask>::causal);
static_assert(MultiHeadAttention<2, 8, UseBias<false>>::bind<Shape<4, 16>>::param_count == 4 * 16 * 16);
// Option mistakes.
static_assert(is_mismatch_v<MultiHeadAttention<0, 8>::option_rule>);
static_assert(is_mismatch_v<MultiHeadAttention<2, 8, ReLU>::option_rule>);
static_assert(is_mismatch_v<MultiHeadAttention<2, 8, ValueDim<2>, ValueDim<3>>::option_rule>);
// Keras' summary row.
using Net = Sequential<Input<5, 6>, Attn>;
using CausalNet = Sequential<Input<5, 6>, MultiHeadAttention<3, 4, ValueDim<2>, UseCausalMask>>;
static_assert(summary<Net>().rows[0].name == "multi_head_attention");
static_assert(summary<Net>().rows[0].class_name == "MultiHeadAttention" && summary<Net>().rows[0].params == 252);
static_assert(summary<Net>().rows[0].output_shape == "(None, 5, 6)");

namespace {
const char* const weight_names[] = {"query.kernel", "query.bias", "key.kernel", "key.bias", "value.kernel",
                                    "value.bias", "attention_output.kernel", "attention_output.bias"};

template <class Model>
void load(const tshape_test::reference& ref, Model& net) {
  int i = 0;
  for_each_weight(net, [&](const weight_ref& w) { ref.copy_to(std::string("mha.") + weight_names[i++], w.values); });
  REQUIRE(i == 8);
}

template <class Model>
void check_against_keras(const std::string& tag) {
  INFO(tag);
  tshape_test::reference ref("sequence.txt");
  auto net = make_model<Model>();
  load(ref, *net);
  Tensor<float, Shape<2, 5, 6>> x;
  ref.copy_to("mha.x", x);
  tshape_test::require_close((*net)(x), ref[tag + ".y"].values, 1e-5, 1e-5);
  // dyn batch and batch 1
  Tensor<float, Shape<dyn, 5, 6>> xd(2);
  ref.copy_to("mha.x", xd);
  tshape_test::require_close((*net)(xd), ref[tag + ".y"].values, 1e-5, 1e-5);
  Tensor<float, Shape<1, 5, 6>> x1;
  std::copy_n(x.data() + 30, 30, x1.data());
  tshape_test::require_close((*net)(x1), std::vector<double>(ref[tag + ".y"].values.begin() + 30, ref[tag + ".y"].values.end()),
                             1e-5, 1e-5);

  // Backward: dx and every weight's gradient of L = sum(r * y).
  auto grad = make_model<Model>();
  for_each_weight(*grad, [](const weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });
  Tensor<float, Shape<2, 5, 6>> y, r, dx;
  ref.copy_to(tag + ".r", r);
  std::vector<float> saved(Model::saved_floats(2)),
      scratch(std::max(Model::arena_floats(2), Model::backward_scratch_floats(2)));
  train_context ctx;
  net->forward_train(x.data(), y.data(), 2, saved.data(), scratch.data(), ctx);
  tshape_test::require_close(y, ref[tag + ".y"].values, 1e-5, 1e-5);
  net->backward(x.data(), y.data(), r.data(), dx.data(), 2, saved.data(), scratch.data(), *grad, ctx);
  tshape_test::require_close(dx, ref[tag + ".dx"].values, 1e-4, 1e-5);
  int i = 0;
  for_each_weight(*grad, [&](const weight_ref& w) {
    INFO(w.name.view());
    tshape_test::require_close(w.values, ref[tag + ".d" + weight_names[i++]].values, 1e-4, 1e-5);
  });
}
}  // namespace

TEST_CASE("MultiHeadAttention: Keras' names and layout", "[layers][attention]") {
  auto net = make_model<Net>();
  std::vector<std::string> names;
  std::vector<std::vector<int>> shapes;
  for_each_weight(*net, [&](const weight_ref& w) {
    names.emplace_back(w.name.view());
    shapes.emplace_back(w.shape().begin(), w.shape().end());
  });
  REQUIRE(names == std::vector<std::string>{"multi_head_attention/query/kernel", "multi_head_attention/query/bias",
                                            "multi_head_attention/key/kernel", "multi_head_attention/key/bias",
                                            "multi_head_attention/value/kernel", "multi_head_attention/value/bias",
                                            "multi_head_attention/attention_output/kernel",
                                            "multi_head_attention/attention_output/bias"});
  REQUIRE(shapes == std::vector<std::vector<int>>{{6, 3, 4}, {3, 4}, {6, 3, 4}, {3, 4}, {6, 3, 2}, {3, 2}, {3, 2, 6}, {6}});
}

TEST_CASE("MultiHeadAttention: matches Keras' math forward and backward", "[layers][attention]") {
  check_against_keras<Net>("mha");
  check_against_keras<CausalNet>("mha_causal");
}

TEST_CASE("MultiHeadAttention: a causal output does not read later timesteps", "[layers][attention]") {
  auto net = make_model<CausalNet>(3);
  Tensor<float, Shape<1, 5, 6>> a, b;
  tshape_test::random_floats gen(4);
  gen.fill(a);
  b = a;
  for (int j = 0; j < 6; ++j) b(0, 4, j) += 1.0f;  // change the last timestep only
  auto ya = (*net)(a), yb = (*net)(b);
  for (int t = 0; t < 4; ++t)
    for (int j = 0; j < 6; ++j) REQUIRE(ya(0, t, j) == yb(0, t, j));
  bool differs = false;
  for (int j = 0; j < 6; ++j) differs = differs || ya(0, 4, j) != yb(0, 4, j);
  REQUIRE(differs);
}

TEST_CASE("MultiHeadAttention: one head's kernel matches its plain twin", "[layers][attention][kernels]") {
  tshape_test::random_floats gen(8);
  for (int T : {1, 3, 7, 33})
    for (int Kd : {1, 5, 16})
      for (bool causal : {false, true}) {
        INFO("T " << T << " Kd " << Kd << " causal " << causal);
        const int Vd = 3;
        std::vector<float> q(static_cast<std::size_t>(T * Kd)), k(q.size()), v(static_cast<std::size_t>(T * Vd));
        gen.fill(q, -2.0f, 2.0f);
        gen.fill(k, -2.0f, 2.0f);
        gen.fill(v);
        std::vector<float> probs(static_cast<std::size_t>(T * T)), out(v.size()), ref(v.size());
        kernels::attention::head_forward(T, T, Kd, Vd, q.data(), k.data(), v.data(), causal, probs.data(), out.data());
        kernels::attention::attention_reference(T, T, Kd, Vd, q.data(), k.data(), v.data(), causal, ref.data());
        tshape_test::require_close(out, ref, 1e-5, 1e-5);
      }
}

TEST_CASE("MultiHeadAttention: gradients match central differences", "[layers][attention][train]") {
  using tshape_test::check_gradients;
  tshape_test::gradient_check_options o;
  o.eps = 1e-3;
  o.tolerance = 5e-3;
  check_gradients<Sequential<Input<4, 6>, MultiHeadAttention<2, 3>>>(1, o);
  check_gradients<Sequential<Input<4, 6>, MultiHeadAttention<2, 3, ValueDim<5>, UseCausalMask>>>(3, o);
  check_gradients<Sequential<Input<3, 5>, Dense<4>, MultiHeadAttention<1, 4, UseBias<false>>, Dense<2, Tanh>>>(2, o);
}

TEST_CASE("MultiHeadAttention: a small transformer block trains", "[layers][attention][train]") {
  // Which of two marker tokens occurs: needs attention across timesteps.
  using Model = Sequential<Input<6>, Embedding<5, 8>, MultiHeadAttention<2, 4>, LayerNormalization<>,
                           GlobalAveragePooling1D, Dense<2, Softmax>>;
  auto net = make_model<Model>(2);
  Tensor<int, Shape<32, 6>> x;
  Tensor<int, Shape<32>> labels;
  detail::rng gen(3);
  for (int b = 0; b < 32; ++b) {
    labels(b) = b % 2;
    for (int t = 0; t < 6; ++t) x(b, t) = 2 + static_cast<int>(gen.next() % 3);
    x(b, static_cast<int>(gen.next() % 6)) = b % 2;
  }
  auto trainer = make_trainer(*net, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.02f});
  const float first = trainer.step(x, labels);
  float last = first;
  for (int i = 0; i < 80; ++i) last = trainer.step(x, labels);
  REQUIRE(last < 0.3f * first);
}

// Cross-attention: layer(query, value) in a functional model, Keras' call(query, value).
namespace cross_attention_test {
constexpr auto query_in = Input<3, 6>{};
constexpr auto value_in = Input<5, 4>{};
using Cross = decltype(model(inputs(query_in, value_in), MultiHeadAttention<2, 3>{}(query_in, value_in)));
using CausalCross =
    decltype(model(inputs(query_in, value_in), MultiHeadAttention<2, 3, UseCausalMask>{}(query_in, value_in)));
using Layer = detail::cross_attention<MultiHeadAttention<2, 3>>;
static_assert(std::is_same_v<decltype(Layer::infer_merge(Shape<3, 6>{}, Shape<5, 4>{})), Shape<3, 6>>);
static_assert(is_mismatch_v<decltype(Layer::infer_merge(Shape<3, 6>{}, Shape<20>{}))>);
// Keras: query 6*2*3+6, key and value 4*2*3+6 each, output 2*3*6+6.
static_assert(Layer::bind<Shape<3, 6>, Shape<5, 4>>::param_count == 42 + 30 + 30 + 42);
static_assert(Cross::param_count == 144);
constexpr auto cross_summary = summary<Cross>();
static_assert(cross_summary.rows[2].name == "multi_head_attention" && cross_summary.rows[2].class_name == "MultiHeadAttention");
static_assert(cross_summary.rows[2].connection_count == 2 && cross_summary.rows[2].output_shape == "(None, 3, 6)");
}  // namespace cross_attention_test

namespace {
template <class Model>
void check_cross_against_keras(const std::string& tag) {
  INFO(tag);
  tshape_test::reference ref("sequence.txt");
  auto net = make_model<Model>();
  int i = 0;
  for_each_weight(*net, [&](const weight_ref& w) { ref.copy_to(std::string("cross.") + weight_names[i++], w.values); });
  REQUIRE(i == 8);
  Tensor<float, Shape<2, 3, 6>> xq;
  Tensor<float, Shape<2, 5, 4>> xv;
  ref.copy_to("cross.query", xq);
  ref.copy_to("cross.value", xv);
  tshape_test::require_close((*net)(xq, xv), ref[tag + ".y"].values, 1e-5, 1e-5);

  // The bound layer's backward: both inputs' gradients and every weight's.
  using Spec = std::conditional_t<std::is_same_v<Model, cross_attention_test::Cross>,
                                  detail::cross_attention<MultiHeadAttention<2, 3>>,
                                  detail::cross_attention<MultiHeadAttention<2, 3, UseCausalMask>>>;
  using B = typename Spec::template bind<Shape<3, 6>, Shape<5, 4>>;
  auto layer = std::make_unique<B>();
  auto grad = std::make_unique<B>();
  i = 0;
  layer->for_each_weight([&](std::string_view, auto view) { ref.copy_to(std::string("cross.") + weight_names[i++], view); });
  grad->for_each_weight([](std::string_view, auto view) { view.fill(0.0f); });
  Tensor<float, Shape<2, 3, 6>> y, r, dq;
  Tensor<float, Shape<2, 5, 4>> dv;
  ref.copy_to(tag + ".r", r);
  std::vector<float> saved(B::saved_floats(2)), scratch(std::max(B::scratch_floats(2), B::backward_scratch_floats(2)));
  const float* xs[2] = {xq.data(), xv.data()};
  float* dxs[2] = {dq.data(), dv.data()};
  train_context ctx;
  layer->forward_train(xs, y.data(), 2, saved.data(), scratch.data(), ctx);
  tshape_test::require_close(y, ref[tag + ".y"].values, 1e-5, 1e-5);
  layer->backward(xs, y.data(), r.data(), dxs, 2, saved.data(), scratch.data(), *grad, ctx);
  tshape_test::require_close(dq, ref[tag + ".dquery"].values, 1e-4, 1e-5);
  tshape_test::require_close(dv, ref[tag + ".dvalue"].values, 1e-4, 1e-5);
  i = 0;
  grad->for_each_weight([&](std::string_view name, auto view) {
    INFO(name);
    tshape_test::require_close(view, ref[tag + ".d" + weight_names[i++]].values, 1e-4, 1e-5);
  });
}
}  // namespace

TEST_CASE("MultiHeadAttention: cross-attention (query, value) matches Keras' math forward and backward",
          "[layers][attention]") {
  check_cross_against_keras<cross_attention_test::Cross>("cross");
  check_cross_against_keras<cross_attention_test::CausalCross>("cross_causal");
}

TEST_CASE("MultiHeadAttention: a functional model with cross-attention trains", "[layers][attention][train]") {
  using cross_attention_test::query_in;
  using cross_attention_test::value_in;
  using Net = decltype(model(inputs(query_in, value_in),
                             Dense<1>{}(Flatten{}(MultiHeadAttention<2, 3>{}(query_in, value_in)))));
  auto net = make_model<Net>(5);
  Tensor<float, Shape<16, 3, 6>> xq;
  Tensor<float, Shape<16, 5, 4>> xv;
  Tensor<float, Shape<16, 1>> target;
  tshape_test::random_floats gen(6);
  gen.fill(xq);
  gen.fill(xv);
  for (int b = 0; b < 16; ++b) target(b, 0) = xv(b, 0, 0) + xq(b, 1, 2);
  auto trainer = make_trainer(*net, MeanSquaredError{}, Adam{.learning_rate = 0.01f});
  const float first = trainer.step(std::tie(xq, xv), std::tie(target));
  float last = first;
  for (int i = 0; i < 150; ++i) last = trainer.step(std::tie(xq, xv), std::tie(target));
  REQUIRE(last < 0.2f * first);
}

TEST_CASE("MultiHeadAttention, Embedding and LayerNormalization: weights save and load by name", "[layers][attention][io]") {
  using Model = Sequential<Input<6>, Embedding<5, 8>, MultiHeadAttention<2, 4, ValueDim<3>>, LayerNormalization<>>;
  auto a = make_model<Model>(1);
  auto b = make_model<Model>(2);
  const std::string path = "/tmp/tshape_seq_weights_test.npz";
  save_weights(*a, path);
  load_weights(*b, path);
  std::remove(path.c_str());
  Tensor<int, Shape<2, 6>> ids;
  for (int i = 0; i < 12; ++i) ids.data()[i] = i % 5;
  const auto ya = (*a)(ids), yb = (*b)(ids);
  for (std::ptrdiff_t i = 0; i < ya.size(); ++i) REQUIRE(ya.data()[i] == yb.data()[i]);
}
