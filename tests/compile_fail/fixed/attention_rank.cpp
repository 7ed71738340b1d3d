#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64>, Reshape<8, 8>, Dense<64, ReLU>, MultiHeadAttention<4, 16>, GlobalAveragePooling1D,
                       Dense<10, Softmax>>;
static_assert(std::is_same_v<Net::output_shape, Shape<10>>);

int main() { return 0; }
