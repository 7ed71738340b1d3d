#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<256, ReLU>, Reshape<-1, 128>>;
static_assert(std::is_same_v<Net::output_shape, Shape<2, 128>>);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 20>> x;
  return net(x).extent(1) == 2 ? 0 : 1;
}
