#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Embedding<1000, 16>, GlobalAveragePooling1D, Dense<20>, Dense<1, Sigmoid>>;
static_assert(std::is_same_v<Net::output_shape, Shape<1>>);

int main() { return 0; }
