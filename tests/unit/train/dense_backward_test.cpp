// Dense and the activations, backward: finite differences over odd sizes, batch 1 and more, every
// activation as an option and as a layer, rank-3 inputs, and no bias.
#include <tshape/tshape.hpp>

#include "gradient_check.hpp"

using namespace tshape;
using tshape_test::check_gradients;

TEST_CASE("backward: Dense with each fused activation matches finite differences", "[train][backward]") {
  check_gradients<Sequential<Input<5>, Dense<7>>>(1);
  check_gradients<Sequential<Input<5>, Dense<7, ReLU>>>(3);
  check_gradients<Sequential<Input<9>, Dense<17, Tanh>, Dense<3, Sigmoid>>>(4);
  check_gradients<Sequential<Input<6>, Dense<5, ELU>, Dense<4, Softplus>, Dense<3, Softmax>>>(2);
  check_gradients<Sequential<Input<6>, Dense<5, GELU>, Dense<5, GELU::approximate>, Dense<4, Swish>>>(5);
  check_gradients<Sequential<Input<6>, Dense<5, LeakyReLU>, Dense<4, UseBias<false>>>>(3);
}

TEST_CASE("backward: activations as layers, and Dense on rank-3 samples", "[train][backward]") {
  check_gradients<Sequential<Input<4, 6>, Dense<5>, ReLU, Dense<3>, Softmax>>(2);
  check_gradients<Sequential<Input<3, 5>, Dense<4>, Tanh, Sigmoid, Dense<2>, ELU, Softplus, Swish, GELU>>(3);
  check_gradients<Sequential<Input<7>, Dense<4>, LeakyReLU::alpha<1, 10>, Dense<3>, ELU::alpha<1, 2>>>(1);
}

TEST_CASE("backward: nested blocks and reshaping layers pass gradients through", "[train][backward]") {
  using Block = Sequential<Dense<6, Tanh>, Dense<6>>;
  check_gradients<Sequential<Input<2, 3>, Flatten, Block, Reshape<3, 2>, Dense<4, ReLU>, Flatten, Dense<2>>>(3);
}

TEST_CASE("backward: a model long enough to run its layers' steps out of line", "[train][backward]") {
  // 19 layers, more than detail::outline_above: chain runs each step through a call of its own.
  using Long = Sequential<Input<5>, Dense<6, Tanh>, Dense<5>, Tanh, Dense<6, Sigmoid>, Dense<5>, ELU, Dense<6, Tanh>,
                          Dense<5>, Tanh, Dense<6, Sigmoid>, Dense<5>, ELU, Dense<6, Tanh>, Dense<5>, Tanh,
                          Dense<6, Sigmoid>, Dense<5>, ELU, Dense<3, Softmax>>;
  check_gradients<Long>(2);
}
