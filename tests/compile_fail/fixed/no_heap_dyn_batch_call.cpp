#define TSHAPE_NO_HEAP
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<4>>;
static Net net;
static Net::arena<8> scratch;  // room for batches of up to 8 samples

int main() {
  static float data[5 * 16], out[5 * 4];
  auto x = view_as<Shape<dyn, 16>>(data, {5, 16});
  auto y = view_as<Shape<dyn, 4>>(out, {5, 4});
  net.forward(x, y, scratch);
  return out[0] == 0.0f ? 0 : 1;
}
