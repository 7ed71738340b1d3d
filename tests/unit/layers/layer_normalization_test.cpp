// LayerNormalization: forward and backward against PyTorch's nn.LayerNorm(eps=1e-3), the kernel
// against its plain twin on odd widths, options, and central differences through a model.
#include <tshape/tshape.hpp>

#include <memory>
#include <vector>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;

// The shape rule: any rank >= 1, shape kept; Keras' parameter counts and defaults.
static_assert(std::is_same_v<decltype(LayerNormalization<>::infer(Shape<3, 7>{})), Shape<3, 7>>);
static_assert(is_mismatch_v<decltype(LayerNormalization<>::infer(Shape<>{}))>);
static_assert(LayerNormalization<>::bind<Shape<3, 7>>::param_count == 14);
static_assert(LayerNormalization<Center<false>>::bind<Shape<7>>::param_count == 7);
static_assert(LayerNormalization<Scale<false>, Center<false>>::bind<Shape<7>>::param_count == 0);
static_assert(LayerNormalization<>::epsilon == 1e-3 && LayerNormalization<>::center && LayerNormalization<>::scale);
static_assert(LayerNormalization<Epsilon<1, 100000>>::epsilon == 1e-5);
// Option mistakes: reported by the model, once.
static_assert(std::is_same_v<LayerNormalization<Epsilon<0, 1>>::option_rule,
                             mismatch<error::BAD_OPTION_VALUE, error::epsilon<0, 1>>>);
static_assert(is_mismatch_v<LayerNormalization<UseBias<false>>::option_rule>);
static_assert(is_mismatch_v<LayerNormalization<Center<false>, Center<true>>::option_rule>);
// Keras' summary row.
using Normed = Sequential<Input<3, 7>, LayerNormalization<>>;
static_assert(summary<Normed>().rows[0].name == "layer_normalization");
static_assert(summary<Normed>().rows[0].class_name == "LayerNormalization" && summary<Normed>().rows[0].params == 14);

TEST_CASE("LayerNormalization: matches PyTorch's LayerNorm(eps=1e-3), forward and backward",
          "[layers][layer_normalization]") {
  tshape_test::reference ref("sequence.txt");
  auto net = make_model<Normed>();
  ref.copy_to("layernorm.gamma", layer<0>(*net).gamma());
  ref.copy_to("layernorm.beta", layer<0>(*net).beta());
  Tensor<float, Shape<2, 3, 7>> x;
  ref.copy_to("layernorm.x", x);
  tshape_test::require_close((*net)(x), ref["layernorm.y"].values, 1e-5, 1e-5);

  auto grad = make_model<Normed>();
  layer<0>(*grad).gamma().fill(0.0f);
  layer<0>(*grad).beta().fill(0.0f);
  Tensor<float, Shape<2, 3, 7>> y, r, dx;
  ref.copy_to("layernorm.r", r);
  std::vector<float> saved(Normed::saved_floats(2)), scratch(Normed::backward_scratch_floats(2) + 1);
  train_context ctx;
  net->forward_train(x.data(), y.data(), 2, saved.data(), scratch.data(), ctx);
  tshape_test::require_close(y, ref["layernorm.y"].values, 1e-5, 1e-5);
  net->backward(x.data(), y.data(), r.data(), dx.data(), 2, saved.data(), scratch.data(), *grad, ctx);
  tshape_test::require_close(dx, ref["layernorm.dx"].values, 1e-4, 1e-5);
  tshape_test::require_close(layer<0>(*grad).gamma(), ref["layernorm.dgamma"].values, 1e-4, 1e-5);
  tshape_test::require_close(layer<0>(*grad).beta(), ref["layernorm.dbeta"].values, 1e-4, 1e-5);
}

TEST_CASE("LayerNormalization: center and scale off, and another epsilon (PyTorch)", "[layers][layer_normalization]") {
  tshape_test::reference ref("sequence.txt");
  Sequential<Input<5>, LayerNormalization<Center<false>, Scale<false>>> plain;
  Tensor<float, Shape<4, 5>> x;
  ref.copy_to("layernorm_plain.x", x);
  tshape_test::require_close(plain(x), ref["layernorm_plain.y"].values, 1e-5, 1e-5);

  Sequential<Input<5>, LayerNormalization<Epsilon<1, 10>>> wide;
  initialize(wide, 0);
  ref.copy_to("layernorm_eps.x", x);
  tshape_test::require_close(wide(x), ref["layernorm_eps.y"].values, 1e-5, 1e-5);
  // batch 1 is row 0 of the batch
  Tensor<float, Shape<1, 5>> x1;
  for (int i = 0; i < 5; ++i) x1(0, i) = x(0, i);
  tshape_test::require_close(wide(x1), std::vector<double>(ref["layernorm_eps.y"].values.begin(),
                                                           ref["layernorm_eps.y"].values.begin() + 5), 1e-5, 1e-5);
}

TEST_CASE("LayerNormalization: the kernel matches its plain twin on odd widths", "[layers][layer_normalization][kernels]") {
  tshape_test::random_floats gen(3);
  for (int c : {1, 2, 3, 7, 8, 15, 16, 17, 33, 64, 100}) {
    INFO("c = " << c);
    const int rows = 5;
    std::vector<float> x(static_cast<std::size_t>(rows * c)), g(static_cast<std::size_t>(c)), b(g.size());
    gen.fill(x, -3.0f, 5.0f);
    gen.fill(g, 0.5f, 1.5f);
    gen.fill(b);
    std::vector<float> y(x.size()), ys(x.size()), ref(x.size());
    kernels::norm::layer_norm_reference(x.data(), ref.data(), rows, c, g.data(), b.data(), 1e-3);
    kernels::norm::layer_norm(x.data(), y.data(), rows, c, g.data(), b.data(), 1e-3f);
    kernels::norm::layer_norm<kernels::simd::scalar>(x.data(), ys.data(), rows, c, g.data(), b.data(), 1e-3f);
    tshape_test::require_close(y, ref, 1e-5, 2e-5);
    tshape_test::require_close(ys, ref, 1e-5, 2e-5);
    kernels::norm::layer_norm_reference(x.data(), ref.data(), rows, c, nullptr, nullptr, 1e-3);
    kernels::norm::layer_norm(x.data(), y.data(), rows, c, nullptr, nullptr, 1e-3f);
    tshape_test::require_close(y, ref, 1e-5, 2e-5);
  }
}

TEST_CASE("LayerNormalization: gradients match central differences inside a model", "[layers][layer_normalization][train]") {
  using tshape_test::check_gradients;
  tshape_test::gradient_check_options o;
  o.eps = 1e-3;
  o.tolerance = 5e-3;
  check_gradients<Sequential<Input<3, 7>, Dense<5>, LayerNormalization<>, Dense<4, Tanh>>>(1, o);
  check_gradients<Sequential<Input<3, 7>, Dense<5>, LayerNormalization<>, Dense<4, Tanh>>>(3, o);
  check_gradients<Sequential<Input<6>, LayerNormalization<Center<false>>, Dense<3, Sigmoid>>>(2, o);
  check_gradients<Sequential<Input<6>, LayerNormalization<Scale<false>, Epsilon<1, 100>>, Dense<3>>>(2, o);
}

TEST_CASE("LayerNormalization: a model with one trains and keeps its weights' names", "[layers][layer_normalization][train]") {
  using Net = Sequential<Input<4, 6>, Dense<8, ReLU>, LayerNormalization<>, GlobalAveragePooling1D, Dense<2, Softmax>>;
  auto net = make_model<Net>(1);
  std::vector<std::string> names;
  for_each_weight(*net, [&](const weight_ref& w) { names.emplace_back(w.name.view()); });
  REQUIRE(names.size() == 6);
  REQUIRE(names[2].find("layer_normalization/gamma") != std::string::npos);
  REQUIRE(names[3].find("layer_normalization/beta") != std::string::npos);
  Tensor<float, Shape<32, 4, 6>> x;
  Tensor<int, Shape<32>> labels;
  tshape_test::random_floats gen(9);
  gen.fill(x);
  for (int b = 0; b < 32; ++b) labels(b) = x(b, 0, 0) > 0 ? 1 : 0;
  auto trainer = make_trainer(*net, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.02f});
  const float first = trainer.step(x, labels);
  float last = first;
  for (int i = 0; i < 80; ++i) last = trainer.step(x, labels);
  REQUIRE(last < 0.5f * first);
}

TEST_CASE("LayerNormalization: streams one timestep at a time", "[layers][layer_normalization][stream]") {
  using Net = Sequential<Input<7, 3>, GRU<5, ReturnSequences>, LayerNormalization<>, Dense<2>>;
  auto net = make_model<Net>(4);
  tshape_test::random_floats gen(2);
  for (auto& v : layer<1>(*net).gamma()) v = gen(0.5f, 1.5f);
  gen.fill(layer<1>(*net).beta());
  Tensor<float, Shape<1, 7, 3>> x;
  gen.fill(x);
  const auto whole = (*net)(x);
  auto stream = make_stream(*net);
  for (int t = 0; t < 7; ++t) {
    Tensor<float, Shape<3>> frame;
    for (int j = 0; j < 3; ++j) frame(j) = x(0, t, j);
    const auto y = stream(frame);
    for (int j = 0; j < 2; ++j) REQUIRE(y(j) == Approx(whole(0, t, j)).margin(1e-6));
  }
}
