// EXPECT-MESSAGE: tshape: each named Input of a model has a name of its own
// EXPECT-ERROR: INPUT_NAME<.*at_model_input, .*named_input<1, .*NamedInput<.*8> ?>, .*name_also_given_to_input<0>
// TITLE: Two Inputs of a two-input model named "x"
// SEED: -
// KERAS: ValueError: The name "x" is used 2 times in the model. All layer names should be unique.
// FIX: give each Input its own name: Input<16>::named<"image">{} and Input<8>::named<"meta">{}.
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<16>::named<"x">{};
constexpr auto meta = Input<8>::named<"x">{};  // the name of the Input above
constexpr auto scores = Dense<4, Softmax>{}(Concatenate{}(image, meta));
using Net = decltype(model(inputs(image, meta), scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 16>> a;
  Tensor<float, Shape<2, 8>> b;
  a.fill(0.5f);
  b.fill(0.25f);
  auto y = net(a, b);
  return y.size() == 8 ? 0 : 1;
}
