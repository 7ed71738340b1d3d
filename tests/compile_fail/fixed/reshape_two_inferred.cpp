#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<8, 8>, Reshape<-1, 16>>;
static_assert(std::is_same_v<Net::output_shape, Shape<4, 16>>);

int main() { return 0; }
