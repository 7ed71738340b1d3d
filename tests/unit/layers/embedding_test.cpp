// Embedding: ids in, rows of `embeddings` out, against PyTorch; the int32 input of a model that starts
// with one; ids outside [0, input_dim) as run-time errors; the scatter-add gradient; training.
#include <tshape/tshape.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "../support.hpp"

using namespace tshape;

// The shape rule: an axis of output_dim after the ids' axes; Keras' parameter count.
static_assert(std::is_same_v<decltype(Embedding<100, 8>::infer(Shape<12>{})), Shape<12, 8>>);
static_assert(std::is_same_v<decltype(Embedding<100, 8>::infer(Shape<3, 4>{})), Shape<3, 4, 8>>);
static_assert(Embedding<100, 8>::bind<Shape<12>>::param_count == 800);
static_assert(is_mismatch_v<decltype(Embedding<0, 8>::infer(Shape<12>{}))>);
// A model that starts with an Embedding takes int32 data; floats, or an Embedding after another
// layer, are diagnosed (the gallery shows them as compile errors).
using Tokens = Sequential<Input<5>, Embedding<11, 6>>;
static_assert(Tokens::takes_token_ids && std::is_same_v<Tokens::input_element, std::int32_t>);
static_assert(std::is_same_v<Tokens::output_shape, Shape<5, 6>>);
static_assert(std::is_void_v<Tokens::call_diagnosis<Tensor<int, Shape<3, 5>>>>);
static_assert(std::is_same_v<Tokens::call_diagnosis<Tensor<float, Shape<3, 5>>>,
                             error::TOKEN_IDS_NOT_INTEGER<error::at_model_input, Input<5>, error::expected_dtype<int>,
                                                          error::but_got_dtype<float>, error::but_got_shape<3, 5>>>);
static_assert(std::is_same_v<detail::chain<Shape<4>, Dense<5>, Embedding<11, 6>>::diagnosis,
                             error::TOKEN_IDS_NOT_INTEGER<error::at_layer<1>, Embedding<11, 6>,
                                                          error::fed_floats_by_the_layer_before_it>>);
static_assert(!Sequential<Input<4>, Dense<5>>::takes_token_ids);
// A nested block that starts with an Embedding: the ids go through to it when it comes first.
using Encoder = Sequential<Embedding<11, 6>, Dense<3>>;
static_assert(Sequential<Input<5>, Encoder, Dense<2>>::takes_token_ids);
static_assert(Sequential<Input<5>, Encoder, Dense<2>>::token_id_limit == 11);
static_assert(Sequential<Input<5>, Sequential<Input<5>, Embedding<7, 2>>, Flatten>::token_id_limit == 7);
static_assert(!std::is_void_v<detail::chain<Shape<5>, Dense<5>, Encoder>::diagnosis>);
// Keras' summary row.
static_assert(summary<Tokens>().rows[0].name == "embedding" && summary<Tokens>().rows[0].class_name == "Embedding");
static_assert(summary<Tokens>().rows[0].output_shape == "(None, 5, 6)" && summary<Tokens>().rows[0].params == 66);

namespace {
template <class T>
void copy_ids(const tshape_test::reference& ref, const std::string& name, T&& ids) {
  const auto& a = ref[name];
  REQUIRE(static_cast<std::size_t>(ids.size()) == a.values.size());
  for (std::size_t i = 0; i < a.values.size(); ++i) ids.data()[i] = static_cast<int>(a.values[i]);
}
}  // namespace

TEST_CASE("Embedding: matches PyTorch's Embedding", "[layers][embedding]") {
  tshape_test::reference ref("sequence.txt");
  auto net = make_model<Tokens>();
  ref.copy_to("embedding.embeddings", layer<0>(*net).embeddings());
  Tensor<int, Shape<3, 5>> ids;
  copy_ids(ref, "embedding.ids", ids);
  auto y = (*net)(ids);
  static_assert(std::is_same_v<decltype(y), Tensor<float, Shape<3, 5, 6>>>);
  tshape_test::require_close(y, ref["embedding.y"].values, 1e-6, 1e-6);

  // dyn batch, and batch 1
  Tensor<int, Shape<dyn, 5>> idd(3);
  copy_ids(ref, "embedding.ids", idd);
  tshape_test::require_close((*net)(idd), ref["embedding.y"].values, 1e-6, 1e-6);
  Tensor<int, Shape<1, 5>> one;
  for (int t = 0; t < 5; ++t) one(0, t) = ids(2, t);
  auto y1 = (*net)(one);
  for (int t = 0; t < 5; ++t)
    for (int j = 0; j < 6; ++j) REQUIRE(y1(0, t, j) == y(2, t, j));
}

TEST_CASE("Embedding: an id below 0 or from input_dim up is a run-time error, never a read out of bounds",
          "[layers][embedding]") {
  auto net = make_model<Tokens>();
  for (int bad : {11, -1, 1 << 30}) {
    Tensor<int, Shape<2, 5>> ids;
    ids.fill(3);
    ids(1, 2) = bad;
    try {
      (void)(*net)(ids);
      FAIL("no error");
    } catch (const shape_error& e) {
      REQUIRE(e.code() == errc::token_id_out_of_range);
      REQUIRE(std::string(e.what()).find("input_dim is 11") != std::string::npos);
    }
    Tensor<float, Shape<2, 5, 6>> y;
    alignas(TSHAPE_ALIGN) std::byte arena[64];
    const auto r = net->try_forward(ids, y, std::span<std::byte>(arena));
    REQUIRE(!r.ok());
    REQUIRE(r.error().code == errc::token_id_out_of_range);
    // The layer checks too, for code that runs the raw pass.
    REQUIRE_THROWS_AS(net->run_forward(detail::as_input_pointer(ids.data()), y.data(), 2, nullptr), shape_error);
  }
}

TEST_CASE("Embedding: the gradient of embeddings adds dy into each id's row (PyTorch)", "[layers][embedding][train]") {
  tshape_test::reference ref("sequence.txt");
  auto net = make_model<Tokens>();
  auto grad = make_model<Tokens>();
  ref.copy_to("embedding.embeddings", layer<0>(*net).embeddings());
  layer<0>(*grad).embeddings().fill(0.0f);
  Tensor<int, Shape<3, 5>> ids;
  copy_ids(ref, "embedding.ids", ids);
  Tensor<float, Shape<3, 5, 6>> y, r;
  ref.copy_to("embedding.r", r);
  std::vector<float> saved(Tokens::saved_floats(3) + 16), scratch(Tokens::backward_scratch_floats(3) + 16);
  train_context ctx;
  const float* x = detail::as_input_pointer(ids.data());
  net->forward_train(x, y.data(), 3, saved.data(), scratch.data(), ctx);
  tshape_test::require_close(y, ref["embedding.y"].values, 1e-6, 1e-6);
  net->backward(x, y.data(), r.data(), nullptr, 3, saved.data(), scratch.data(), *grad, ctx);
  tshape_test::require_close(layer<0>(*grad).embeddings(), ref["embedding.dembeddings"].values, 1e-6, 1e-6);
}

TEST_CASE("Embedding: a model of token ids trains with trainer.step and fit", "[layers][embedding][train]") {
  // Class = whether token 1 occurs in the sequence: the embedding of token 1 must move.
  using Net = Sequential<Input<6>, Embedding<8, 4>, GlobalAveragePooling1D, Dense<2, Softmax>>;
  auto net = make_model<Net>(3);
  Tensor<int, Shape<64, 6>> x;
  Tensor<int, Shape<64>> labels;
  detail::rng gen(5);
  for (int b = 0; b < 64; ++b) {
    labels(b) = b % 2;
    for (int t = 0; t < 6; ++t) x(b, t) = 2 + static_cast<int>(gen.next() % 6);
    if (b % 2) x(b, static_cast<int>(gen.next() % 6)) = 1;
  }
  const auto before = layer<0>(*net).embeddings()(1, 0);
  auto trainer = make_trainer(*net, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.05f});
  const float first = trainer.step(x, labels);
  float last = first;
  for (int i = 0; i < 60; ++i) last = trainer.step(x, labels);
  REQUIRE(last < 0.5f * first);
  REQUIRE(layer<0>(*net).embeddings()(1, 0) != before);
  // evaluate and predict take the ids too.
  const auto [loss, acc] = evaluate(*net, x, labels, SparseCategoricalCrossentropy{}, metrics<SparseCategoricalAccuracy>);
  REQUIRE(loss == Approx(trainer.test_step(x, labels)).epsilon(1e-4));
  REQUIRE(acc > 0.9);
  const auto p = predict(*net, x, 10);
  REQUIRE(p.extent(0) == 64);
  // A bad id in training data is reported before anything changes.
  x(3, 3) = 8;
  REQUIRE_THROWS_AS(trainer.step(x, labels), shape_error);

  // fit, shuffling the int32 samples, from a fresh model.
  auto fresh = make_model<Net>(4);
  x(3, 3) = 2;
  fit_options o;
  o.epochs = 30;
  o.batch_size = 16;
  o.verbose = 0;
  const auto h = fit(fresh, x, labels, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.05f}, o);
  REQUIRE(h["loss"].back() < 0.5 * h["loss"].front());
}

// Functional models: an Input that an Embedding reads holds int32 ids; the other Inputs floats.
namespace functional_ids {
constexpr auto tokens = Input<6>{};
constexpr auto features = Input<3>{};
constexpr auto pooled = GlobalAveragePooling1D{}(MultiHeadAttention<2, 4>{}(Embedding<8, 4>{}(tokens)));
using Fn = decltype(model(tokens, Dense<2, Softmax>{}(pooled)));
using Seq = Sequential<Input<6>, Embedding<8, 4>, MultiHeadAttention<2, 4>, GlobalAveragePooling1D, Dense<2, Softmax>>;
static_assert(Fn::takes_token_ids && std::is_same_v<Fn::input_element, std::int32_t> && Fn::token_id_limit == 8);
using Two = decltype(model(inputs(tokens, features),
                           Dense<2, Softmax>{}(Concatenate<-1>{}(Dense<4, ReLU>{}(features), pooled))));
static_assert(std::is_same_v<Two::input_element_at<0>, std::int32_t> && std::is_same_v<Two::input_element_at<1>, float>);
static_assert(!Two::takes_token_ids);
// An Embedding after another layer, and a float layer on the ids: diagnosed.
using AfterDense = detail::graph_body<detail::type_list<Input<6>>,
                                      detail::type_list<decltype(Embedding<8, 4>{}(Dense<6>{}(tokens)))>>;
static_assert(std::is_same_v<AfterDense::diagnosis,
                             error::TOKEN_IDS_NOT_INTEGER<error::at_layer<1>, Embedding<8, 4>,
                                                          error::fed_floats_by_the_layer_before_it>>);
using IdsAsFloats = detail::graph_body<detail::type_list<Input<6>>,
                                       detail::type_list<decltype(Embedding<8, 4>{}(tokens)), decltype(Dense<2>{}(tokens))>>;
static_assert(!std::is_void_v<IdsAsFloats::diagnosis>);
}  // namespace functional_ids

TEST_CASE("Embedding: functional models take int32 ids where an Embedding reads them", "[layers][embedding][functional]") {
  using namespace functional_ids;
  auto fn = make_model<Fn>(1);
  auto seq = make_model<Seq>(2);
  std::vector<float> values;
  for_each_weight(*fn, [&](const weight_ref& w) { values.insert(values.end(), w.values.begin(), w.values.end()); });
  std::size_t at = 0;
  for_each_weight(*seq, [&](const weight_ref& w) {
    for (auto& v : w.values) v = values[at++];
  });
  REQUIRE(at == values.size());
  Tensor<int, Shape<dyn, 6>> ids(5);
  for (int i = 0; i < 30; ++i) ids.data()[i] = (i * 7) % 8;
  const auto a = (*fn)(ids);
  const auto b = (*seq)(ids);
  for (std::ptrdiff_t i = 0; i < a.size(); ++i) REQUIRE(a.data()[i] == Approx(b.data()[i]).margin(1e-6));
  ids(2, 3) = 8;
  REQUIRE_THROWS_AS((*fn)(ids), shape_error);
  ids(2, 3) = 1;

  // Training: one Input of ids, and ids beside float features.
  Tensor<int, Shape<dyn, 1>> labels(5);
  for (int i = 0; i < 5; ++i) labels(i, 0) = ids(i, 0) % 2;
  auto t = make_trainer(*fn, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.05f});
  const float first = t.step(ids, labels);
  float last = first;
  for (int i = 0; i < 40; ++i) last = t.step(ids, labels);
  REQUIRE(last < 0.5f * first);

  auto two = make_model<Two>(3);
  Tensor<float, Shape<dyn, 3>> feats(5);
  feats.fill(0.5f);
  Tensor<int, Shape<dyn, 1>> y2(5);
  for (int i = 0; i < 5; ++i) y2(i, 0) = ids(i, 0) % 2;
  auto t2 = make_trainer(*two, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.05f});
  const float first2 = t2.step(std::tie(ids, feats), std::tie(y2));
  float last2 = first2;
  for (int i = 0; i < 40; ++i) last2 = t2.step(std::tie(ids, feats), std::tie(y2));
  REQUIRE(last2 < first2);
  ids(0, 0) = -3;
  REQUIRE_THROWS_AS(t2.step(std::tie(ids, feats), std::tie(y2)), shape_error);
}
