#include <tshape/tshape.hpp>
using namespace tshape;

using Generator = Sequential<Input<128>, Dense<256, ReLU>, Dense<784, Sigmoid>>;
using Gan = Sequential<Input<20>, Dense<128, ReLU>, Generator>;

static_assert(std::is_same_v<Gan::output_shape, Shape<784>>);

int main() {
  auto gan = make_model<Gan>();
  Tensor<float, Shape<dyn, 20>> noise(4);
  return gan(noise).extent(0) == 4 ? 0 : 1;
}
