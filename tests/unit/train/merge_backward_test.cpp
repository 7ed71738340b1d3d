// Backward of the merge layers and of Residual: finite differences, as gradient_check.hpp does for
// single-input models. A merge layer is checked on its own with L = sum r * y: central differences
// on every element of every input, against backward's dx (broadcast inputs included). Residual is
// checked inside Sequential models with check_gradients, and its names, summary and trainer steps.
#include <tshape/layers/add.hpp>
#include <tshape/layers/average.hpp>
#include <tshape/layers/concatenate.hpp>
#include <tshape/layers/dot.hpp>
#include <tshape/layers/maximum.hpp>
#include <tshape/layers/minimum.hpp>
#include <tshape/layers/multiply.hpp>
#include <tshape/layers/subtract.hpp>
#include <tshape/model/residual.hpp>
#include <tshape/tshape.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gradient_check.hpp"
#include "merge_gradient_check.hpp"

using namespace tshape;
using tshape_test::check_gradients;

namespace {

using tshape_test::check_merge_gradients;
using tshape_test::merge_check_options;

merge_check_options distinct() {
  merge_check_options o;
  o.distinct = true;
  return o;
}

}  // namespace

TEST_CASE("merge backward: Add, Subtract, Average, Multiply without and with broadcasting", "[train][backward][merge]") {
  check_merge_gradients<Add, Shape<7>, Shape<7>>(3);
  check_merge_gradients<Add, Shape<3, 5>, Shape<3, 5>, Shape<3, 5>>(2);
  check_merge_gradients<Add, Shape<4, 5>, Shape<5>>(3);
  check_merge_gradients<Add, Shape<3, 3, 4>, Shape<4>, Shape<3, 1, 4>, Shape<1>>(2);
  check_merge_gradients<Subtract, Shape<2, 3, 5>, Shape<2, 3, 5>>(2);
  check_merge_gradients<Subtract, Shape<3, 1, 5>, Shape<3, 4, 5>>(2);
  check_merge_gradients<Subtract, Shape<1>, Shape<2, 3>>(3);
  check_merge_gradients<Average, Shape<9>, Shape<9>, Shape<9>>(2);
  check_merge_gradients<Average, Shape<2, 3, 4>, Shape<1, 1, 4>, Shape<2, 1, 1>>(2);
  check_merge_gradients<Multiply, Shape<13>, Shape<13>, Shape<13>>(2);
  check_merge_gradients<Multiply, Shape<4, 7>, Shape<4, 1>>(3);
  check_merge_gradients<Multiply, Shape<4, 1>, Shape<1, 7>>(2);
  check_merge_gradients<Multiply, Shape<2, 1, 3>, Shape<5, 1>, Shape<3>>(1);
}

TEST_CASE("merge backward: Maximum and Minimum route the gradient to the extreme input", "[train][backward][merge]") {
  check_merge_gradients<Maximum, Shape<6, 3>, Shape<6, 3>>(2, distinct());
  check_merge_gradients<Maximum, Shape<5>, Shape<5>, Shape<5>, Shape<5>>(3, distinct());
  check_merge_gradients<Maximum, Shape<2, 1, 3>, Shape<7, 1>, Shape<3>>(2, distinct());
  check_merge_gradients<Minimum, Shape<31>, Shape<31>, Shape<31>>(2, distinct());
  check_merge_gradients<Minimum, Shape<5, 1, 1>, Shape<1, 2, 1>, Shape<1, 1, 3>>(2, distinct());
  check_merge_gradients<Minimum, Shape<4, 6>, Shape<6>>(2, distinct());
}

TEST_CASE("merge backward: on a tie the first input takes the gradient, as TensorFlow's", "[train][backward][merge]") {
  const float a[4] = {1, 2, 3, 3}, b[4] = {1, 0, 3, 5}, c[4] = {1, 2, 3, 5};
  const float* xs[3] = {a, b, c};
  const float dy[4] = {1, 2, 3, 4};
  float da[4], db[4], dc[4], y[4];
  float* dx[3] = {da, db, dc};
  train_context ctx;
  Maximum::bind<Shape<4>, Shape<4>, Shape<4>> mx;
  mx.forward(xs, y, 1, nullptr);
  mx.backward(xs, y, dy, dx, 1, nullptr, nullptr, mx, ctx);
  CHECK(std::vector<float>(da, da + 4) == std::vector<float>{1, 2, 3, 0});
  CHECK(std::vector<float>(db, db + 4) == std::vector<float>{0, 0, 0, 4});
  CHECK(std::vector<float>(dc, dc + 4) == std::vector<float>{0, 0, 0, 0});
  Minimum::bind<Shape<4>, Shape<4>, Shape<4>> mn;
  mn.forward(xs, y, 1, nullptr);
  mn.backward(xs, y, dy, dx, 1, nullptr, nullptr, mn, ctx);
  CHECK(std::vector<float>(da, da + 4) == std::vector<float>{1, 0, 3, 4});
  CHECK(std::vector<float>(db, db + 4) == std::vector<float>{0, 2, 0, 0});
  CHECK(std::vector<float>(dc, dc + 4) == std::vector<float>{0, 0, 0, 0});
}

TEST_CASE("merge backward: Concatenate along each axis", "[train][backward][merge]") {
  check_merge_gradients<Concatenate<>, Shape<3, 1>, Shape<3, 5>>(2);
  check_merge_gradients<Concatenate<0>, Shape<2, 5>, Shape<1, 5>>(3);
  check_merge_gradients<Concatenate<1>, Shape<2, 3, 4>, Shape<2, 1, 4>, Shape<2, 2, 4>>(2);
  check_merge_gradients<Concatenate<-1>, Shape<8>, Shape<4>, Shape<1>>(2);
}

TEST_CASE("merge backward: Dot along each pair of axes, and normalized", "[train][backward][merge]") {
  check_merge_gradients<Dot<Axes<1>>, Shape<7>, Shape<7>>(3);
  check_merge_gradients<Dot<Axes<2>>, Shape<3, 5>, Shape<4, 5>>(2);
  check_merge_gradients<Dot<Axes<2, 1>>, Shape<3, 5>, Shape<5, 4>>(2);
  check_merge_gradients<Dot<Axes<1, 2>>, Shape<5, 3>, Shape<4, 5>>(2);
  check_merge_gradients<Dot<Axes<2, -2>>, Shape<2, 4, 3>, Shape<3, 4, 2>>(2);
  check_merge_gradients<Dot<Axes<2, 1>>, Shape<3, 6>, Shape<6>>(2);
  check_merge_gradients<Dot<Axes<-1>, Normalize<true>>, Shape<9>, Shape<9>>(4);
  check_merge_gradients<Dot<Axes<1, 2>, Normalize<true>>, Shape<5, 3>, Shape<4, 5>>(2);
  check_merge_gradients<Dot<Axes<2>, Normalize<true>>, Shape<3, 4>, Shape<2, 4>>(2);
}

// ---- Residual --------------------------------------------------------------------------------------

// f's output must have x's shape: Dense<7> after Dense<8> is refused, as a value (not a compile error).
static_assert(std::is_same_v<decltype(Residual<Dense<7>>::infer(Shape<8>{})),
                             mismatch<error::SHAPE_MISMATCH, error::expected<Shape<8>>, error::got<Shape<7>>>>);
static_assert(std::is_same_v<decltype(Residual<Dense<5>, ReLU, Dense<8>>::infer(Shape<8>{})), Shape<8>>);
static_assert(std::is_same_v<decltype(Residual<Dense<4>>::infer(Shape<3, 4>{})), Shape<3, 4>>);
// A failure inside f is reported at its place inside the block, as a nested Sequential's.
static_assert(std::is_same_v<decltype(Residual<Dense<8>, Conv2D<4, Kernel<3, 3>>>::infer(Shape<8>{})),
                             decltype(Sequential<Dense<8>, Conv2D<4, Kernel<3, 3>>>::infer(Shape<8>{}))>);
static_assert(is_mismatch_v<decltype(Residual<Dense<8>, Conv2D<4, Kernel<3, 3>>>::infer(Shape<8>{}))>);
// In a model, the fold places the mismatch at the block.
static_assert(std::is_same_v<detail::chain<Shape<6>, Dense<8>, Residual<Dense<7>>>::diagnosis,
                             error::SHAPE_MISMATCH<error::at_layer<1>, Residual<Dense<7>>, error::expected<Shape<8>>,
                                                   error::got<Shape<7>>>>);

namespace {
using ResNet = Sequential<Input<6>, Dense<8>, Residual<Dense<5>, ReLU, Dense<8>>, Dense<3>>;
}

static_assert(ResNet::param_count == (6 * 8 + 8) + (8 * 5 + 5) + (5 * 8 + 8) + (8 * 3 + 3));
static_assert(std::is_same_v<ResNet::output_shape, Shape<3>>);
static_assert(Residual<Dense<4>>::keras_class == "Functional" && Residual<Dense<4>>::keras_name == "residual");

// A model with a block built by the compiler from one flat array (get_weights() order).
namespace {
using Small = Sequential<Input<3>, Residual<Dense<2, Tanh>, Dense<3>>, Dense<1>>;
constexpr auto small_values = [] {
  std::array<float, Small::param_count> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = 0.01f * static_cast<float>(i);
  return a;
}();
constexpr Small small_built = from_weights<Small>(small_values);
static_assert(layer<0>(small_built).layer<0>().kernel()(2, 1) == small_values[2 * 2 + 1]);
static_assert(layer<0>(small_built).layer<1>().bias()(2) == small_values[8 + 6 + 2]);
static_assert(layer<1>(small_built).kernel()(1, 0) == small_values[8 + 9 + 1]);
}  // namespace

TEST_CASE("backward: Residual blocks match finite differences", "[train][backward][residual]") {
  // ReLU's kink: a seed whose pre-activations stay off 0 by more than the difference step.
  tshape_test::gradient_check_options off_kink;
  off_kink.seed = 3;
  check_gradients<ResNet>(3, off_kink);
  // f's last layer reads its own output in backward (Tanh, Sigmoid): f(x) is kept apart from y.
  check_gradients<Sequential<Input<5>, Residual<Dense<5, Tanh>>, Residual<Dense<3, ReLU>, Dense<5, Sigmoid>>>>(2);
  // Rank-2 samples, a block as the last layer, blocks one after the other and one inside another.
  check_gradients<Sequential<Input<3, 4>, Residual<Dense<6, ELU>, Dense<4>>, Residual<Dense<4, Tanh>>>>(2);
  check_gradients<Sequential<Input<4>, Dense<6, Tanh>, Residual<Dense<6, Tanh>, Residual<Dense<3, Tanh>, Dense<6>>>,
                             Dense<2, Softmax>>>(3);
  // Batch 1.
  check_gradients<Sequential<Input<7>, Residual<Dense<7, Swish>>>>(1);
}

TEST_CASE("Residual: names, summary and weights see the inner layers", "[model][residual]") {
  using Net = Sequential<Input<6>, Dense<8>, Residual<Dense<5>, ReLU, Dense<8>>, Dense<3>>;
  constexpr auto s = summary<Net>();
  STATIC_REQUIRE(s.rows.size() == 3);
  CHECK(s.rows[1].name.view() == "residual");
  CHECK(s.rows[1].class_name == "Functional");
  CHECK(s.rows[1].output_shape.view() == "(None, 8)");
  CHECK(s.rows[1].params == 8 * 5 + 5 + 5 * 8 + 8);
  CHECK(s.rows[2].name.view() == "dense_3");
  auto net = make_model<Net>(3);
  std::vector<std::string> names;
  for_each_weight(net, [&](const weight_ref& w) { names.emplace_back(w.name.view()); });
  CHECK(names == std::vector<std::string>{"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias",
                                          "dense_2/kernel", "dense_2/bias", "dense_3/kernel", "dense_3/bias"});
  // The block's inner layers by index.
  auto& inner = net->template layer<1>();
  CHECK(inner.template layer<2>().kernel().data() == weights(net)[4].values.data());
}

TEST_CASE("Residual: inference is f(x) + x, and a trainer steps through the block", "[train][residual]") {
  using Net = Sequential<Input<4>, Residual<Dense<4>>>;
  auto net = make_model<Net>(1);
  // kernel = identity, bias = 1: y = x + (x + 1).
  auto& dense = net->template layer<0>().template layer<0>();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) dense.kernel()(i, j) = i == j ? 1.0f : 0.0f;
  for (int j = 0; j < 4; ++j) dense.bias()(j) = 1.0f;
  Tensor<float, Shape<2, 4>> x;
  for (int i = 0; i < 8; ++i) x.data()[i] = static_cast<float>(i) - 3.0f;
  const auto y = (*net)(x);
  for (int i = 0; i < 8; ++i) CHECK(y.data()[i] == 2 * x.data()[i] + 1);

  using Deep = Sequential<Input<6>, Dense<8, Tanh>, Residual<Dense<8, Tanh>, Dense<8>>, Dense<3, Softmax>>;
  auto deep = make_model<Deep>(2);
  Tensor<float, Shape<12, 6>> xs;
  Tensor<int, Shape<12>> ys;
  detail::rng r(9);
  for (auto& v : xs) v = r.uniform(-1.0f, 1.0f);
  for (int i = 0; i < 12; ++i) ys(i) = i % 3;
  auto trainer = make_trainer(deep, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.02f});
  const float first = trainer.step(xs, ys);
  float last = first;
  for (int i = 0; i < 40; ++i) last = trainer.step(xs, ys);
  CHECK(last < 0.5f * first);
  // The gradients reached the block's inner Dense layers.
  const auto g = weights(trainer.gradients());
  CHECK(std::string(g[2].name.view()) == "dense_1/kernel");
  double norm = 0;
  for (float v : g[2].values) norm += static_cast<double>(v) * v;
  CHECK(norm > 0.0);
}
