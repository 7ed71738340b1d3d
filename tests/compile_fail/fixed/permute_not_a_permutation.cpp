#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 64>, Dense<64>, Permute<2, 1>>;
static_assert(std::is_same_v<Net::output_shape, Shape<64, 10>>);

int main() { return 0; }
