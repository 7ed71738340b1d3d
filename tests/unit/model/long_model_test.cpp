// A model longer than a fold expression may be (clang: 256 operands): shapes still propagate, errors
// are still placed, and it runs.
#include <tshape/tshape.hpp>

#include <utility>

#include "../support.hpp"

using namespace tshape;

namespace {
template <std::size_t... I>
auto relus(std::index_sequence<I...>) -> Sequential<Input<4>, std::conditional_t<(I % 2 == 0), ReLU, Dense<4>>...>;
template <std::size_t N>
using LongNet = decltype(relus(std::make_index_sequence<N>{}));

template <std::size_t... I>
auto broken(std::index_sequence<I...>)
    -> detail::chain<Shape<4>, std::conditional_t<(I == 280), RepeatVector<2>, ReLU>..., RepeatVector<2>>;
}  // namespace

using Net300 = LongNet<300>;
static_assert(std::is_same_v<Net300::output_shape, Shape<4>>);
static_assert(Net300::param_count == 150 * (4 * 4 + 4));

// The error in a long chain is still placed at its layer: after layer 280 repeats the vector, the
// last layer (300) gets a rank-2 sample.
using Broken = decltype(broken(std::make_index_sequence<300>{}));
static_assert(std::is_same_v<Broken::diagnosis, error::WRONG_RANK<error::at_layer<300>, RepeatVector<2>, error::expected_rank<1>,
                                                                  error::got<Shape<2, 4>>>>);

TEST_CASE("Sequential: a 300-layer model propagates and runs", "[model][sequential]") {
  auto net = make_model<Net300>();
  Tensor<float, Shape<2, 4>> x{1, -2, 3, -4, 5, -6, 7, -8};
  auto y = net(x);
  CHECK(y.size() == 8);
  CHECK(weights(net).size() == 300);
}
