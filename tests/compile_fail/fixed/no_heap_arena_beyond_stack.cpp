#define TSHAPE_NO_HEAP
#define TSHAPE_STACK_ARENA_BYTES 4096
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<64>, Dense<256, ReLU>, Dense<256, ReLU>, Dense<4>>;
static Net net;
static Net::arena<8> scratch;  // 16 KiB in static memory, budgeted at compile time

int main() {
  Tensor<float, Shape<8, 64>> x;
  Tensor<float, Shape<8, 4>> y;
  net.forward(x.view(), y.view(), scratch);
  return y(0, 0) == 0.0f ? 0 : 1;
}
