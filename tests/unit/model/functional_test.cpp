// Functional models: the graph's order (Keras'), shapes, shared layers, the arena's reuse, and the
// forward and backward passes against the same layers as a Sequential.
#include <tshape/model/functional.hpp>
#include <tshape/tshape.hpp>

#include <string>
#include <vector>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;

namespace functional_test {
// A two-input merge written against the merge contract (layers/layer.hpp), so that these tests do
// not depend on the library's own merge layers: y = x0 + 2 x1.
struct TestMerge : detail::functional_call<TestMerge> {
  static constexpr std::string_view keras_class = "TestMerge";
  static constexpr std::string_view keras_name = "test_merge";
  static constexpr bool is_merge = true;
  template <class A, class B>
  static constexpr auto infer_merge(A, B) {
    if constexpr (std::is_same_v<A, B>)
      return A{};
    else
      return mismatch<error::MERGE_SHAPE_MISMATCH, error::got<A>, error::got<B>>{};
  }
  template <class A, class B>
  struct bind : detail::no_parameters {
    using output_shape = A;
    static constexpr std::ptrdiff_t size = detail::sample_size<A>;
    void forward(const float* const* x, float* y, int batch, float*) const {
      for (std::ptrdiff_t i = 0; i < size * batch; ++i) y[i] = x[0][i] + 2.0f * x[1][i];
    }
    void backward(const float* const*, const float*, const float* dy, float* const* dx, int batch, const float*, float*,
                  bind&, const train_context&) const {
      for (std::ptrdiff_t i = 0; i < size * batch; ++i) {
        if (dx[0]) dx[0][i] = dy[i];
        if (dx[1]) dx[1][i] = 2.0f * dy[i];
      }
    }
  };
};

constexpr auto in = Input<6>{};
constexpr auto a = Dense<4>{}(in);
constexpr auto b = Dense<4, Tanh>{}(in);
constexpr auto merged = TestMerge{}(a, b);
constexpr auto out = Dense<2, Softmax>{}(ReLU{}(merged));
using Branchy = decltype(model(in, out));

struct encoder;
constexpr Shared<encoder, Dense<5, Tanh>> enc{};
constexpr auto left = Input<3>{};
constexpr auto e1 = enc(left);
constexpr auto e2 = enc(Dense<3>{}(left));
using Siamese = decltype(model(left, Dense<1>{}(TestMerge{}(e1, e2))));

// Two Inputs (an image and its metadata) and two outputs.
namespace two {
constexpr auto image = Input<4, 4, 1>{};
constexpr auto meta = Input<3>{};
constexpr auto f = Dense<5, ReLU>{}(Flatten{}(image));
constexpr auto m = Dense<5, ReLU>{}(meta);
constexpr auto joint = TestMerge{}(f, m);
}  // namespace two
using Two = decltype(model(inputs(two::image, two::meta),
                           outputs(Dense<1, Sigmoid>{}(two::joint), Dense<3, Softmax>{}(two::joint))));

template <class Net>
std::vector<std::string> names(Net& net) {
  std::vector<std::string> out;
  for (const auto& w : weights(net)) out.emplace_back(w.name.view());
  return out;
}
}  // namespace functional_test
using namespace functional_test;

// Keras' order: by depth from the outputs, then as met walking back from them.
static_assert(std::is_same_v<Branchy::layers, detail::type_list<Dense<4>, Dense<4, Tanh>, TestMerge, ReLU, Dense<2, Softmax>>>);
static_assert(std::is_same_v<Branchy::output_shape, Shape<2>>);
static_assert(Branchy::param_count == 28 + 28 + 10);
// A shared layer is one layer, with one set of weights.
static_assert(Siamese::layer_count == 4);
static_assert(Siamese::param_count == (3 * 5 + 5) + (3 * 3 + 3) + 6);

TEST_CASE("functional: weights in Keras' order with Keras' names", "[model][functional]") {
  auto net = make_model<Branchy>();
  CHECK(names(*net) == std::vector<std::string>{"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias",
                                                 "dense_2/kernel", "dense_2/bias"});
}

TEST_CASE("functional: a chain as a graph computes what the Sequential computes, forward and training", "[model][functional]") {
  constexpr auto x0 = Input<5>{};
  constexpr auto y0 = Dense<3, Softmax>{}(Dense<7, ReLU>{}(Dense<4, Tanh>{}(x0)));
  using Graph = decltype(model(x0, y0));
  using Seq = Sequential<Input<5>, Dense<4, Tanh>, Dense<7, ReLU>, Dense<3, Softmax>>;
  auto g = make_model<Graph>(3);
  auto s = make_model<Seq>(3);
  Tensor<float, Shape<dyn, 5>> x(9);
  tshape_test::random_floats rnd(4);
  rnd.fill(x);
  auto yg = g(x);
  auto ys = s(x);
  for (std::ptrdiff_t i = 0; i < yg.size(); ++i) CHECK(yg[i] == ys[i]);
  Tensor<int, Shape<dyn>> labels(9);
  for (int i = 0; i < 9; ++i) labels(i) = i % 3;
  auto tg = make_trainer(g, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.01f});
  auto ts = make_trainer(s, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.01f});
  for (int step = 0; step < 4; ++step) CHECK(tg.step(x, labels) == Approx(ts.step(x, labels)).epsilon(1e-6));
}

TEST_CASE("functional: branches, merges and shared layers pass gradients back", "[model][functional][train]") {
  tshape_test::check_gradients<Branchy>(3);
  tshape_test::check_gradients<Siamese>(2);
}

namespace functional_test {
template <class... I, class... O>
auto body_of(Model<Inputs<I...>, Outputs<O...>>*) -> detail::graph_body<detail::type_list<I...>, detail::type_list<O...>>;

// The arena's placement as the plain rule states it: each arena tensor, in running order, at the
// lowest of 0 and the ends of the live tensors where it overlaps none of them.
template <class Net>
void check_first_fit(int batch) {
  using B = decltype(body_of(static_cast<Net*>(nullptr)));
  constexpr int n = static_cast<int>(B::sample_floats.size());
  const auto plan = Net::plan(batch);
  std::vector<std::size_t> offset(n), size(n);
  std::vector<bool> live(n);
  std::size_t high = 0;
  for (int k = 0; k < n; ++k) {
    size[k] = B::node_floats(k, batch);
    for (int j = 0; j < k; ++j)
      if (B::last_use[j] < k) live[j] = false;
    if (!B::in_arena(k)) continue;
    std::size_t best = ~std::size_t{0};
    for (int c = -1; c < k; ++c) {
      if (c >= 0 && !live[c]) continue;
      const std::size_t o = c < 0 ? 0 : offset[c] + size[c];
      bool fits = true;
      for (int j = 0; j < k; ++j)
        if (live[j] && o < offset[j] + size[j] && offset[j] < o + size[k]) fits = false;
      if (fits) best = std::min(best, o);
    }
    offset[k] = best;
    live[k] = true;
    high = std::max(high, best + size[k]);
    INFO("node " << k << ", batch " << batch);
    CHECK(plan.offset[k] == best);
  }
  CHECK(plan.activations == high);
}

// A trunk with two skips of different reach and a branch that merges late: tensors of several sizes
// free in an order that leaves gaps, so the first fit is tested below the top of the arena.
constexpr auto gx = Input<24>{};
constexpr auto g1 = Dense<48, ReLU>{}(gx);
constexpr auto g2 = Dense<8, ReLU>{}(g1);
constexpr auto g3 = Dense<48>{}(g2);
constexpr auto g4 = Add{}(g1, g3);
constexpr auto g5 = Dense<16, ReLU>{}(g4);
constexpr auto g6 = Dense<4>{}(g2);
constexpr auto g7 = Dense<32, ReLU>{}(g5);
constexpr auto g8 = Dense<4>{}(g7);
constexpr auto g9 = Add{}(g6, g8);
constexpr auto g10 = Dense<2>{}(g9);
using Gappy = decltype(model(gx, g10));
}  // namespace functional_test

TEST_CASE("functional: the arena's plan is the first fit of each tensor among the live ones", "[model][functional][memory]") {
  using namespace functional_test;
  for (int batch : {1, 3, 32}) {
    check_first_fit<Branchy>(batch);
    check_first_fit<Siamese>(batch);
    check_first_fit<Gappy>(batch);
  }
  auto net = make_model<Gappy>(5);
  Tensor<float, Shape<3, 24>> x;
  tshape_test::random_floats(7).fill(x);
  const auto y = net(x);
  // The same model with every tensor in a buffer of its own: the plan shares without clobbering.
  auto& m = *net;
  std::vector<float> t1(3 * 48), t2(3 * 8), t3(3 * 48), t4(3 * 48), t5(3 * 16), t6(3 * 4), t7(3 * 32), t8(3 * 4), t9(3 * 4), yr(3 * 2);
  std::vector<float> scratch(1024);
  layer(m, g1).forward(x.data(), t1.data(), 3, scratch.data());
  layer(m, g2).forward(t1.data(), t2.data(), 3, scratch.data());
  layer(m, g3).forward(t2.data(), t3.data(), 3, scratch.data());
  for (int i = 0; i < 3 * 48; ++i) t4[i] = t1[i] + t3[i];
  layer(m, g5).forward(t4.data(), t5.data(), 3, scratch.data());
  layer(m, g6).forward(t2.data(), t6.data(), 3, scratch.data());
  layer(m, g7).forward(t5.data(), t7.data(), 3, scratch.data());
  layer(m, g8).forward(t7.data(), t8.data(), 3, scratch.data());
  for (int i = 0; i < 3 * 4; ++i) t9[i] = t6[i] + t8[i];
  layer(m, g10).forward(t9.data(), yr.data(), 3, scratch.data());
  for (int i = 0; i < 3 * 2; ++i) CHECK(y.data()[i] == Approx(yr[i]).epsilon(1e-6));
}

TEST_CASE("functional: the arena reuses the buffers of tensors no layer reads any more", "[model][functional][memory]") {
  constexpr auto x0 = Input<64>{};
  constexpr auto h = Dense<64>{}(Dense<64>{}(Dense<64>{}(Dense<64>{}(x0))));
  using Deep = decltype(model(x0, Dense<1>{}(h)));
  // Four intermediate tensors of 64 floats each, but never more than two alive at once.
  STATIC_REQUIRE(Deep::unshared_activation_floats(1) == 4 * 64);
  STATIC_REQUIRE(Deep::plan(1).activations == 2 * 64);
  auto net = make_model<Deep>();
  Tensor<float, Shape<2, 64>> x;
  x.fill(0.5f);
  auto y = net(x);
  using Seq = Sequential<Input<64>, Dense<64>, Dense<64>, Dense<64>, Dense<64>, Dense<1>>;
  auto s = make_model<Seq>();
  set_weights(*s, flat_weights(net));
  auto ys = s(x);
  CHECK(y(0, 0) == Approx(ys(0, 0)));
  CHECK(y(1, 0) == Approx(ys(1, 0)));
}

TEST_CASE("functional: several inputs and outputs", "[model][functional]") {
  auto net = make_model<Two>(2);
  Tensor<float, Shape<2, 4, 4, 1>> xi;
  Tensor<float, Shape<2, 3>> xm;
  xi.fill(0.25f);
  xm.fill(-0.5f);
  auto [p, q] = net(xi, xm);
  STATIC_REQUIRE(std::is_same_v<decltype(p), Tensor<float, Shape<2, 1>>>);
  STATIC_REQUIRE(std::is_same_v<decltype(q), Tensor<float, Shape<2, 3>>>);
  CHECK(q(0, 0) + q(0, 1) + q(0, 2) == Approx(1.0f));
  CHECK(p(0, 0) == p(1, 0));

  // Batches known only at run time: inputs of different sample counts are refused there (static ones
  // are a compile error: compile_fail/functional_input_samples.cpp).
  STATIC_REQUIRE(std::is_void_v<Two::calls_diagnosis<Tensor<float, Shape<dyn, 4, 4, 1>>, Tensor<float, Shape<dyn, 3>>>>);
  STATIC_REQUIRE(!std::is_void_v<Two::calls_diagnosis<Tensor<float, Shape<2, 4, 4, 1>>, Tensor<float, Shape<3, 3>>>>);
  STATIC_REQUIRE(std::is_void_v<Two::calls_diagnosis<Tensor<float, Shape<2, 4, 4, 1>>, Tensor<float, Shape<dyn, 3>>>>);
  std::vector<float> images(3 * 16, 0.25f), metas(2 * 3, -0.5f);
  auto vi = view_as<Shape<dyn, 4, 4, 1>>(images.data(), {3, 4, 4, 1});
  auto vm = view_as<Shape<dyn, 3>>(metas.data(), {2, 3});
  CHECK_THROWS_AS(net(vi, vm), shape_error);
}

TEST_CASE("functional: firmware passes on the caller's arena equal the call", "[model][functional][memory]") {
  auto net = make_model<Branchy>(3);
  Tensor<float, Shape<5, 6>> x;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 6; ++j) x(i, j) = 0.3f * static_cast<float>(i - j) + 0.1f;
  const auto want = (*net)(x);

  SECTION("one Input, one output: forward(x, y, arena), static and dyn batches") {
    static Branchy::arena<8> scratch;
    STATIC_REQUIRE(sizeof(scratch.bytes) == Branchy::arena_bytes(8));
    Tensor<float, Shape<5, 2>> y;
    net->forward(x, y, scratch);
    for (int i = 0; i < 5; ++i)
      for (int k = 0; k < 2; ++k) REQUIRE(y(i, k) == want(i, k));
    std::vector<float> out(5 * 2, -1.0f);
    auto xd = view_as<Shape<dyn, 6>>(x.data(), {5, 6});
    auto yd = view_as<Shape<dyn, 2>>(out.data(), {5, 2});
    net->forward(xd, yd, scratch);
    for (int i = 0; i < 5; ++i)
      for (int k = 0; k < 2; ++k) REQUIRE(out[static_cast<std::size_t>(i * 2 + k)] == want(i, k));
    // Checked once, at the boundary: a batch beyond the arena, a y of another batch or width.
    static Branchy::arena<2> two;
    CHECK_THROWS_WITH(net->forward(xd, yd, two), Catch::Contains("this batch needs"));
    auto y4 = view_as<Shape<dyn, 2>>(out.data(), {4, 2});
    CHECK_THROWS_WITH(net->forward(xd, y4, scratch), Catch::Contains("x has a batch of 5, y of 4"));
    auto wide = view_as<Shape<dyn, dyn>>(out.data(), {5, 3});
    CHECK_THROWS_AS(net->forward(xd, wide, scratch), shape_error);
  }

  SECTION("several Inputs and outputs: forward({x0, x1}, {y0, y1}, arena) on the arena's batch") {
    auto two = make_model<Two>(6);
    Tensor<float, Shape<3, 4, 4, 1>> xi;
    Tensor<float, Shape<3, 3>> xm;
    for (int i = 0; i < xi.size(); ++i) xi.data()[i] = 0.05f * static_cast<float>(i % 11) - 0.2f;
    for (int i = 0; i < xm.size(); ++i) xm.data()[i] = 0.3f - 0.1f * static_cast<float>(i);
    const auto [p, q] = (*two)(xi, xm);
    static Two::arena<3> scratch;
    float yp[3 * 1], yq[3 * 3];
    two->forward({xi.data(), xm.data()}, {yp, yq}, scratch);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(yp[i] == p(i, 0));
      for (int k = 0; k < 3; ++k) REQUIRE(yq[i * 3 + k] == q(i, k));
    }
  }
}

TEST_CASE("functional: models inside models, both ways", "[model][functional]") {
  // A Sequential block called on a tensor of a graph ...
  constexpr auto x0 = Input<6>{};
  using Block = Sequential<Dense<5, Tanh>, Dense<5>>;
  constexpr auto y0 = Dense<2, Softmax>{}(Add{}(Block{}(x0), Dense<5>{}(x0)));
  using Graph = decltype(model(x0, y0));
  tshape_test::check_gradients<Graph>(2);
  // ... and a graph used as a layer of a Sequential.
  using Outer = Sequential<Input<6>, Graph, Dense<3>>;
  STATIC_REQUIRE(std::is_same_v<Outer::output_shape, Shape<3>>);
  STATIC_REQUIRE(Outer::param_count == Graph::param_count + 2 * 3 + 3);
  tshape_test::check_gradients<Outer>(3);
  auto net = make_model<Outer>();
  CHECK(names(*net).front() == "dense/kernel");  // Keras names a nested model's weights by their own layers
}

namespace functional_test {
// Keras returns a tensor listed twice in both places, and an Input given as an output unchanged.
constexpr auto rx = Input<3>{};
constexpr auto rh = Dense<4, Tanh>{}(rx);
using Repeated = decltype(model(rx, outputs(rh, Dense<2>{}(rh), rh)));
using PassedThrough = decltype(model(rx, outputs(rx, rh)));
using Identity = decltype(model(rx, rx));
}  // namespace functional_test

TEST_CASE("functional: an output listed twice, and an Input as an output, as Keras returns them", "[model][functional]") {
  using namespace functional_test;
  STATIC_REQUIRE((Repeated::copies_outputs && PassedThrough::copies_outputs && Identity::copies_outputs));
  STATIC_REQUIRE(!Two::copies_outputs);
  Tensor<float, Shape<5, 3>> x;
  for (int i = 0; i < x.size(); ++i) x.data()[i] = 0.2f * static_cast<float>(i % 7) - 0.5f;

  auto twice = make_model<Repeated>(4);
  const auto [h, d, again] = (*twice)(x);
  for (int i = 0; i < h.size(); ++i) REQUIRE(again.data()[i] == h.data()[i]);
  CHECK(h(0, 0) != 0.0f);

  auto through = make_model<PassedThrough>(5);
  const auto [same_x, h2] = (*through)(x);
  for (int i = 0; i < x.size(); ++i) REQUIRE(same_x.data()[i] == x.data()[i]);
  auto identity = make_model<Identity>();
  const auto y = (*identity)(x);
  for (int i = 0; i < x.size(); ++i) REQUIRE(y.data()[i] == x.data()[i]);

  // The firmware pass on the caller's arena, and the int8 pass, copy them too.
  static Repeated::arena<5> scratch;
  float y0[5 * 4], y1[5 * 2], y2[5 * 4];
  twice->forward({x.data()}, {y0, y1, y2}, scratch);
  for (int i = 0; i < 5 * 4; ++i) REQUIRE((y0[i] == h.data()[i] && y2[i] == h.data()[i]));
  const auto q = quantize(*twice, x);
  const auto [qh, qd, qagain] = q(x);
  for (int i = 0; i < qh.size(); ++i) REQUIRE(qagain.data()[i] == qh.data()[i]);
  const auto [ih, id, iagain] = q.int8(q.quantize_input(x));
  for (int i = 0; i < ih.size(); ++i) REQUIRE(iagain.data()[i] == ih.data()[i]);
  const auto qx = quantize(*through, x);
  const auto [ix, ih2] = qx.int8(qx.quantize_input(x));
  const auto xq = qx.quantize_input(x);
  for (int i = 0; i < xq.size(); ++i) REQUIRE(ix.data()[i] == xq.data()[i]);
  CHECK(std::abs(qh(0, 0) - h(0, 0)) < 0.05f);
}
