#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 4>, Dense<16>, Flatten, RepeatVector<5>>;
static_assert(std::is_same_v<Net::output_shape, Shape<5, 160>>);

int main() { return 0; }
