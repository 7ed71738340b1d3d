#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 32>, Dense<32>, LayerNormalization<Epsilon<1, 100000>>, Dense<1>>;
static_assert(std::is_same_v<Net::output_shape, Shape<10, 1>>);

int main() { return 0; }
