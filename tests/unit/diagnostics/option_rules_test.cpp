// Option rules: an option a layer does not take, two of one kind, a value it cannot take. Each is a
// mismatch that the layer's shape rule returns first, so the model reports it once, like a shape
// rule; valid options in any order pass.
#include <catch2/catch.hpp>
#include <tshape/tshape.hpp>

using namespace tshape;

namespace {
template <class L, class S = Shape<8, 8, 3>>
using rule_of = decltype(L::infer(S{}));
}  // namespace

// Valid options, in any order, give no option mistake.
static_assert(std::is_void_v<Dense<4, UseBias<false>, ReLU>::option_rule>);
static_assert(std::is_void_v<Conv2D<4, ReLU, Padding::same, Strides<2>, Kernel<3>>::opts::rule>);
static_assert(std::is_void_v<Conv1D<4, DilationRate<2>, Kernel<3>>::opts::rule>);
static_assert(std::is_void_v<GRU<4, ResetAfter<false>, ReturnSequences, RecurrentActivation<Tanh>>::option_rule>);
static_assert(std::is_void_v<LSTM<4, UnitForgetBias<false>, GoBackwards, ReLU>::option_rule>);
static_assert(is_shape_v<rule_of<MaxPooling2D<Padding::same, Pool<3>>>>);

// An option the layer does not take: named, with what the layer takes.
static_assert(std::is_same_v<rule_of<Dense<10, Kernel<3, 3>>, Shape<16>>,
                             mismatch<error::UNKNOWN_OPTION, error::not_an_option_of_it<Kernel<3, 3>>,
                                      error::it_takes<error::an_activation, UseBias<false>>>>);
static_assert(std::is_same_v<rule_of<MaxPooling2D<Kernel<3>>>,
                             mismatch<error::UNKNOWN_OPTION, error::not_an_option_of_it<Kernel<3>>,
                                      error::it_takes<Pool<>, Strides<>, Padding::valid, Padding::same>>>);
static_assert(std::is_same_v<typename SimpleRNN<4, ResetAfter<false>>::option_rule,
                             mismatch<error::UNKNOWN_OPTION, error::not_an_option_of_it<ResetAfter<false>>,
                                      error::it_takes<ReturnSequences, GoBackwards, error::an_activation, UseBias<false>>>>);
// Padding::causal is Conv1D's alone (a time axis padded on the left).
static_assert(std::is_void_v<Conv1D<4, Kernel<3>, Padding::causal>::opts::rule>);
static_assert(std::is_same_v<rule_of<Conv2D<4, Kernel<3>, Padding::causal>>,
                             mismatch<error::UNKNOWN_OPTION, error::not_an_option_of_it<Padding::causal>,
                                      error::it_takes<Kernel<>, Strides<>, Padding::valid, Padding::same, DilationRate<>,
                                                      error::an_activation, UseBias<false>>>>);
static_assert(std::is_same_v<rule_of<MaxPooling1D<Padding::causal>, Shape<8, 3>>,
                             mismatch<error::UNKNOWN_OPTION, error::not_an_option_of_it<Padding::causal>,
                                      error::it_takes<Pool<>, Strides<>, Padding::valid, Padding::same>>>);
// Inside Bidirectional the wrapped layer's mistake comes out as it is.
static_assert(std::is_same_v<rule_of<Bidirectional<GRU<32, Padding::same>>, Shape<20, 4>>,
                             typename GRU<32, Padding::same>::option_rule>);

// Two options of one kind: both named.
static_assert(std::is_same_v<rule_of<Dense<10, ReLU, Softmax>, Shape<16>>,
                             mismatch<error::REPEATED_OPTION, error::given_together<ReLU, Softmax>>>);
static_assert(std::is_same_v<rule_of<Conv2D<8, Kernel<3>, Padding::same, Kernel<5>>>,
                             mismatch<error::REPEATED_OPTION, error::given_together<Kernel<3>, Kernel<5>>>>);
static_assert(std::is_same_v<typename LSTM<4, ReturnSequences, ReturnSequences>::option_rule,
                             mismatch<error::REPEATED_OPTION, error::given_together<ReturnSequences, ReturnSequences>>>);

// Values a layer cannot take.
static_assert(std::is_same_v<rule_of<Dense<0>, Shape<16>>, mismatch<error::BAD_OPTION_VALUE, error::units<0>>>);
static_assert(std::is_same_v<rule_of<Conv2D<0, Kernel<3>>>, mismatch<error::BAD_OPTION_VALUE, error::filters<0>>>);
static_assert(std::is_same_v<rule_of<Conv2D<8>>, mismatch<error::BAD_OPTION_VALUE, error::needs_option<Kernel<>>>>);
static_assert(std::is_same_v<rule_of<Conv2D<8, Kernel<3, 3, 3>>>,
                             mismatch<error::BAD_OPTION_VALUE,
                                      error::values_must_be_positive_one_per_axis_or_one_for_all<
                                          Kernel<3, 3, 3>, Strides<1>, DilationRate<1>>>>);
static_assert(std::is_same_v<rule_of<Conv2D<8, Kernel<3>, Strides<2>, DilationRate<2>>>,
                             mismatch<error::BAD_OPTION_VALUE, error::strides_and_dilation_together<Strides<2>, DilationRate<2>>>>);
static_assert(std::is_same_v<rule_of<MaxPooling2D<Pool<0>>>,
                             mismatch<error::BAD_OPTION_VALUE,
                                      error::values_must_be_positive_one_per_axis_or_one_for_all<Pool<0>, Pool<0>>>>);
static_assert(std::is_same_v<typename GRU<4, Softmax>::option_rule,
                             mismatch<error::BAD_OPTION_VALUE, error::acts_on_a_whole_row<Softmax>>>);
static_assert(std::is_same_v<typename GRU<0>::option_rule, mismatch<error::BAD_OPTION_VALUE, error::units<0>>>);

// In a model: the mistake is placed at the layer (the model's class reports it).
using broken = detail::sequential_parts<Input<16>, Dense<8, ReLU>, Dense<4, Kernel<3>>, Dense<1>>::body;
static_assert(std::is_same_v<broken::diagnosis,
                             error::UNKNOWN_OPTION<error::at_layer<1>, Dense<4, Kernel<3>>, error::not_an_option_of_it<Kernel<3>>,
                                                   error::it_takes<error::an_activation, UseBias<false>>>>);

TEST_CASE("option rules: every mistake has its words", "[diagnostics][options]") {
  CHECK(std::string_view(TSHAPE_MSG_UNKNOWN_OPTION).starts_with("tshape: "));
  CHECK(std::string_view(TSHAPE_MSG_REPEATED_OPTION).starts_with("tshape: "));
  CHECK(std::string_view(TSHAPE_MSG_BAD_OPTION_VALUE).starts_with("tshape: "));
}
