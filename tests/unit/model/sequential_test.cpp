#include <tshape/tshape.hpp>

#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape;

using Mlp = Sequential<Input<20>, Dense<64, ReLU>, Dense<32, Tanh>, Dense<10, Softmax>>;
static_assert(std::is_same_v<Mlp::output_shape, Shape<10>>);
static_assert(std::is_same_v<Mlp::input_shape, Shape<20>>);
static_assert(Mlp::param_count == (20 * 64 + 64) + (64 * 32 + 32) + (32 * 10 + 10));
static_assert(std::is_same_v<Mlp::shape_at<1>, Shape<64>>);
static_assert(std::is_same_v<Mlp::layer_type<2>, Dense<10, Softmax>::bind<Shape<32>>>);
static_assert(Mlp::param_bytes == Mlp::param_count * 4);
// The arena holds the intermediate activations 64 and 32, each rounded to 16 floats.
static_assert(Mlp::activation_bytes == (64 + 32) * 4);
static_assert(Mlp::arena_bytes(3) == (192 + 96) * 4);

// A block without Input adapts to what it is fed; with Input it checks it.
using Block = Sequential<Dense<16, ReLU>, Dense<8>>;
using WithBlock = Sequential<Input<4>, Block, Dense<2>>;
static_assert(std::is_same_v<WithBlock::shape_at<1>, Shape<8>>);
static_assert(WithBlock::param_count == (4 * 16 + 16) + (16 * 8 + 8) + (8 * 2 + 2));
using Generator = Sequential<Input<128>, Dense<256, ReLU>, Dense<784, Sigmoid>>;
using Gan = Sequential<Input<20>, Dense<128>, Generator>;
static_assert(std::is_same_v<Gan::output_shape, Shape<784>>);
// The seed 004 claim is wrong: Dense after a rank-1 sample of any size is valid.
static_assert(std::is_same_v<Sequential<Input<64>, Dense<10>>::output_shape, Shape<10>>);

// A failing model is still a valid type (its diagnosis names the place), so that no second error follows.
using Broken = detail::chain<Shape<20>, Dense<8>, Generator>;
static_assert(!Broken::ok);
static_assert(std::is_same_v<Broken::diagnosis,
                             error::SHAPE_MISMATCH<error::at_layer<1>, Generator, error::expected_input_shape<error::None, 128>,
                                                   error::but_got_shape<error::None, 8>>>);
static_assert(std::is_same_v<Broken::output_shape, Shape<>>);

TEST_CASE("Sequential: runs layer after layer on a static batch", "[model][sequential]") {
  auto net = make_model<Mlp>(3);
  Tensor<float, Shape<4, 20>> x;
  tshape_test::random_floats rnd;
  rnd.fill(x);
  Tensor<float, Shape<4, 10>> y = net(x);
  for (int i = 0; i < 4; ++i) {
    float s = 0;
    for (int j = 0; j < 10; ++j) s += y(i, j);
    CHECK(s == Approx(1.0f));
  }
  // The same by hand, layer by layer.
  Tensor<float, Shape<4, 64>> h1;
  Tensor<float, Shape<4, 32>> h2;
  Tensor<float, Shape<4, 10>> expected;
  layer<0>(net).forward(x.data(), h1.data(), 4, nullptr);
  layer<1>(net).forward(h1.data(), h2.data(), 4, nullptr);
  layer<2>(net).forward(h2.data(), expected.data(), 4, nullptr);
  tshape_test::require_close(y, expected, 0, 0);
}

TEST_CASE("Sequential: a dyn batch gives a dyn-batch result with the same numbers", "[model][sequential]") {
  auto net = make_model<Mlp>(5);
  Tensor<float, Shape<7, 20>> xs;
  tshape_test::random_floats rnd(9);
  rnd.fill(xs);
  Tensor<float, Shape<dyn, 20>> xd{TensorView<const float, Shape<dyn, 20>>(xs)};
  auto yd = net(xd);
  static_assert(std::is_same_v<decltype(yd), Tensor<float, Shape<dyn, 10>>>);
  CHECK(yd.extent(0) == 7);
  tshape_test::require_close(yd, net(xs), 0, 0);
  // An empty batch is a valid batch.
  Tensor<float, Shape<dyn, 20>> none(0);
  CHECK(net(none).size() == 0);
}

TEST_CASE("Sequential: dyn feature axes are checked at run time with the same words", "[model][sequential]") {
  auto net = make_model<Mlp>();
  std::vector<float> data(32 * 20);
  auto good = view_as<Shape<dyn, dyn>>(data.data(), {32, 20});
  CHECK(net(good).extent(0) == 32);
  auto bad = view_as<Shape<dyn, dyn>>(data.data(), {20, 32});
  CHECK_THROWS_WITH(net(bad), Catch::StartsWith(TSHAPE_MSG_SHAPE_MISMATCH) &&
                                   Catch::Contains("at the model's input: got (20, 32), expected (None, 20)"));
}

TEST_CASE("Sequential: nested blocks run as their layers would", "[model][sequential]") {
  auto nested = make_model<WithBlock>(11);
  using Flat = Sequential<Input<4>, Dense<16, ReLU>, Dense<8>, Dense<2>>;
  auto flat = make_model<Flat>();
  // Same parameters, copied through the weights list (same order, same shapes).
  auto from = weights(nested);
  auto to = weights(flat);
  REQUIRE(from.size() == to.size());
  for (std::size_t i = 0; i < from.size(); ++i) std::copy(from[i].values.begin(), from[i].values.end(), to[i].values.begin());
  Tensor<float, Shape<3, 4>> x{1, 2, 3, 4, -1, -2, -3, -4, 0.5f, 0, 0, 1};
  tshape_test::require_close(nested(x), flat(x), 0, 0);
  auto& inner = layer<0>(nested);
  CHECK(inner.layer<1>().kernel().extent(0) == 16);
}

TEST_CASE("Sequential: forward into caller memory, with a caller arena", "[model][sequential]") {
  auto net = make_model<Mlp>(1);
  Tensor<float, Shape<dyn, 20>> x(5);
  tshape_test::random_floats rnd(4);
  rnd.fill(x);
  Tensor<float, Shape<dyn, 10>> y(5);
  alignas(64) std::byte arena[Mlp::arena_bytes(5)];
  net->forward(x.view(), y.view(), std::span<std::byte>(arena));
  tshape_test::require_close(y, net(x), 0, 0);
  CHECK_THROWS_WITH(net->forward(x.view(), y.view(), std::span<std::byte>(arena).first(64)),
                    Catch::Contains("this batch needs"));
  CHECK_THROWS_WITH(net->forward(x.view(), y.view(), std::span<std::byte>(arena).subspan(1)),
                    Catch::StartsWith(TSHAPE_MSG_INVALID_ARGUMENT) && Catch::Contains("address is not a multiple of"));
  Tensor<float, Shape<dyn, 10>> wrong_batch(4);
  CHECK_THROWS_WITH(net->forward(x.view(), wrong_batch.view()),
                    std::string(TSHAPE_MSG_OUTPUT_MISMATCH) + ": x has a batch of 5, y of 4");
  Tensor<float, Shape<dyn, dyn>> wide(5, 11);
  CHECK_THROWS_WITH(net->forward(x, wide),
                    std::string(TSHAPE_MSG_OUTPUT_MISMATCH) + ": y: got (5, 11), expected (None, 10)");
  // Tensors are taken as they are, without .view().
  Tensor<float, Shape<dyn, 10>> z(5);
  net->forward(x, z);
  tshape_test::require_close(z, y, 0, 0);
  Tensor<float, Shape<5, 20>> xs;
  Tensor<float, Shape<5, 10>> ys;
  static Mlp::arena<5> scratch;
  net->forward(xs, ys, scratch);
  CHECK(ys(4, 9) == net(xs)(4, 9));
}
