// Named Inputs (Input<D...>::named<"left">): two inputs of one shape are two tensors, as Keras'
// Input(shape, name=...). A siamese model: one shared encoder on both, their difference, a score.
#include <catch2/catch.hpp>
#include <tshape/tshape.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <tuple>

using namespace tshape;

namespace named_inputs_test {
struct encoder;
constexpr auto left = Input<6>::named<"left">{};
constexpr auto right = Input<6>::named<"right">{};
constexpr auto extra = Input<2>{};
constexpr Shared<encoder, Dense<4, ReLU>> encode{};
constexpr auto left_code = encode(left);
constexpr auto right_code = encode(right);
constexpr auto distance = Subtract{}(left_code, right_code);
constexpr auto score = Dense<1, Sigmoid>{}(distance);
using Siamese = decltype(model(inputs(left, right), score));
// A named Input beside an unnamed one of another shape.
using Mixed = decltype(model(inputs(left, extra), Dense<3>{}(Concatenate<>{}(encode(left), extra))));

static_assert(!std::is_same_v<std::remove_cvref_t<decltype(left)>, std::remove_cvref_t<decltype(right)>>);
static_assert(std::is_same_v<std::remove_cvref_t<decltype(left)>::shape, Shape<6>>);
static_assert(Siamese::param_count == 6 * 4 + 4 + 4 + 1);  // one encoder, shared

constexpr auto table = summary<Siamese>();
static_assert(table.rows[0].name == "left" && table.rows[0].class_name == "InputLayer");
static_assert(table.rows[1].name == "right" && table.rows[1].output_shape == "[(None, 6)]");
static_assert(table.rows[2].name == "dense" && table.rows[2].connection_count == 2);
static_assert(table.rows[2].connected_to[0] == "left[0][0]" && table.rows[2].connected_to[1] == "right[0][0]");
static_assert(summary<Mixed>().rows[2].name == "input_2");  // unnamed: its position among the inputs
}  // namespace named_inputs_test
using namespace named_inputs_test;

TEST_CASE("named inputs: a siamese model reads each input with one shared encoder", "[model][functional]") {
  auto net = make_model<Siamese>(5);
  Tensor<float, Shape<3, 6>> a, b;
  for (int i = 0; i < 18; ++i) {
    a.data()[i] = 0.3f * static_cast<float>(i % 5) - 0.4f;
    b.data()[i] = 0.2f * static_cast<float>(i % 7) - 0.5f;
  }
  const auto y = net(a, b);
  // The plain sums, from the model's own weights.
  const auto& enc = layer(*net, left_code);
  const auto& head = layer(*net, score);
  for (int n = 0; n < 3; ++n) {
    double d[4];
    for (int j = 0; j < 4; ++j) {
      double ea = enc.bias()(j), eb = enc.bias()(j);
      for (int k = 0; k < 6; ++k) {
        ea += static_cast<double>(a(n, k)) * enc.kernel()(k, j);
        eb += static_cast<double>(b(n, k)) * enc.kernel()(k, j);
      }
      d[j] = std::max(ea, 0.0) - std::max(eb, 0.0);
    }
    double z = head.bias()(0);
    for (int j = 0; j < 4; ++j) z += d[j] * head.kernel()(j, 0);
    CHECK(y(n, 0) == Approx(1.0 / (1.0 + std::exp(-z))).margin(1e-6));
  }
  // A pair of equal samples: the branches cancel.
  const auto same = net(a, a);
  CHECK(same(0, 0) == Approx(1.0 / (1.0 + std::exp(-static_cast<double>(head.bias()(0))))).margin(1e-7));
}

TEST_CASE("named inputs: the summary shows the names, and the model trains", "[model][functional][train]") {
  std::ostringstream os;
  print_summary<Siamese>(os);
  CHECK(os.str().find("left (InputLayer)") != std::string::npos);
  CHECK(os.str().find("right[0][0]") != std::string::npos);

  // Same or different: pairs of one sample and itself, or of two different ones.
  auto net = make_model<Siamese>(2);
  Tensor<float, Shape<16, 6>> a, b;
  Tensor<float, Shape<16, 1>> differ;
  for (int n = 0; n < 16; ++n) {
    const bool pair_differs = n % 2 == 1;
    for (int k = 0; k < 6; ++k) {
      a(n, k) = 0.1f * static_cast<float>((n * 3 + k) % 11) - 0.5f;
      b(n, k) = pair_differs ? -a(n, k) : a(n, k);
    }
    differ(n, 0) = pair_differs ? 1.0f : 0.0f;
  }
  auto trainer = make_trainer(*net, BinaryCrossentropy{}, Adam{.learning_rate = 0.02f});
  const float first = trainer.test_step(std::tie(a, b), std::tie(differ));
  for (int s = 0; s < 100; ++s) trainer.step(std::tie(a, b), std::tie(differ));
  CHECK(trainer.test_step(std::tie(a, b), std::tie(differ)) < 0.5f * first);

  auto mixed = make_model<Mixed>(1);
  Tensor<float, Shape<2, 6>> x;
  Tensor<float, Shape<2, 2>> e;
  x.fill(0.5f);
  e.fill(-1.0f);
  CHECK(mixed(x, e).size() == 6);
}
