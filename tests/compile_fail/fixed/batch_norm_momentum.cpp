#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<4, 4, 3>, Conv2D<8, Kernel<3, 3>>, BatchNormalization::with<Momentum<9, 10>>, ReLU>;
static_assert(std::is_same_v<Net::output_shape, Shape<2, 2, 8>>);

int main() { return 0; }
