// Named Inputs (Input<D...>::named<"left">): two inputs of one shape are two tensors, as Keras'
// Input(shape, name=...). A siamese model: one shared encoder on both, their difference, a score.
#include <catch2/catch.hpp>
#include <tshape/tshape.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

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

namespace named_inputs_test {
// The name rule (INPUT_NAME), as the model reports it: the first Input whose name is empty, longer
// than 40 characters or the name of an Input before it.
using Left = Input<6>::named<"left">;
template <class... In>
using name_rule = typename detail::input_name_rule<In...>::type;
static_assert(std::is_void_v<name_rule<Left, Input<6>::named<"right">, Input<2>, Input<3>>>);
static_assert(std::is_same_v<name_rule<Input<2>, Input<3>::named<"">>,
                             error::INPUT_NAME<error::at_model_input, error::named_input<1, Input<3>::named<"">>,
                                               error::name_is_empty>>);
static_assert(std::is_same_v<name_rule<Input<3>::named<"a_name_of_forty_one_characters_xxxxxxxxxx">>,
                             error::INPUT_NAME<error::at_model_input,
                                               error::named_input<0, Input<3>::named<"a_name_of_forty_one_characters_xxxxxxxxxx">>,
                                               error::name_over_40_characters>>);
static_assert(std::is_void_v<name_rule<Input<3>::named<"a_name_of_forty_characters_xxxxxxxxxxxxx">>>);
static_assert(std::is_same_v<name_rule<Left, Input<2>, Input<4>::named<"left">>,
                             error::INPUT_NAME<error::at_model_input, error::named_input<2, Input<4>::named<"left">>,
                                               error::name_also_given_to_input<0>>>);
// A Sequential may begin with a named Input (keras.Input(shape, name=...) in a Sequential's list).
using NamedSequential = Sequential<Input<6>::named<"features">, Dense<3, ReLU>, Dense<2>>;
using PlainSequential = Sequential<Input<6>, Dense<3, ReLU>, Dense<2>>;
static_assert(NamedSequential::has_input && NamedSequential::param_count == PlainSequential::param_count);
static_assert(std::is_same_v<NamedSequential::output_shape, Shape<2>>);
}  // namespace named_inputs_test

TEST_CASE("named inputs: a Sequential that begins with a named Input runs as the unnamed one", "[model][sequential]") {
  auto named = make_model<NamedSequential>(7);
  auto plain = make_model<PlainSequential>(7);
  std::vector<float> weights;
  for_each_weight(plain, [&](const weight_ref& w) { weights.insert(weights.end(), w.values.begin(), w.values.end()); });
  set_weights(named, weights);
  Tensor<float, Shape<3, 6>> x;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 6; ++j) x(i, j) = 0.25f * static_cast<float>(i - j);
  const auto a = named(x);
  const auto b = plain(x);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) CHECK(a(i, j) == b(i, j));
}
