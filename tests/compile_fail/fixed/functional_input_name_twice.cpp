#include <tshape/tshape.hpp>
using namespace tshape;

// One name per Input.
constexpr auto image = Input<16>::named<"image">{};
constexpr auto meta = Input<8>::named<"meta">{};
constexpr auto scores = Dense<4, Softmax>{}(Concatenate{}(image, meta));
using Net = decltype(model(inputs(image, meta), scores));
static_assert(Net::param_count == 24 * 4 + 4);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 16>> a;
  Tensor<float, Shape<2, 8>> b;
  a.fill(0.5f);
  b.fill(0.25f);
  auto y = net(a, b);
  return y.size() == 8 ? 0 : 1;
}
