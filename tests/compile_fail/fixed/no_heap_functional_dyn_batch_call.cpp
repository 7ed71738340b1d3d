#define TSHAPE_NO_HEAP
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto features = Input<8>{};
constexpr auto hidden = Dense<16, ReLU>{}(features);
constexpr auto scores = Dense<3>{}(Add{}(hidden, Dense<16>{}(hidden)));
using Net = decltype(model(features, scores));
static Net net;
static Net::arena<8> scratch;  // room for batches of up to 8 samples

int main() {
  static float data[5 * 8], out[5 * 3];
  auto x = view_as<Shape<dyn, 8>>(data, {5, 8});
  auto y = view_as<Shape<dyn, 3>>(out, {5, 3});
  net.forward(x, y, scratch);
  return out[0] == 0.0f ? 0 : 1;
}
