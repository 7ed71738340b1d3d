// EXPECT-MESSAGE: tshape: an Input of the model is not used by any of its outputs
// EXPECT-ERROR: INPUT_NOT_USED<.*Input<6>
// TITLE: model(inputs(a, b), out) where out reads only a
// SEED: -
// KERAS: (Keras builds the model, warns nothing, and expects data for an input it ignores)
// FIX: give model(...) only the Inputs its outputs read, or make an output read the other (here, Concatenate both branches).
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto features = Input<4>{};
constexpr auto extra = Input<6>{};
constexpr auto scores = Dense<3, Softmax>{}(Dense<8, ReLU>{}(features));  // extra is read by nothing
using Net = decltype(model(inputs(features, extra), scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 4>> x;
  Tensor<float, Shape<2, 6>> e;
  auto y = net(x, e);
  std::printf("%f\n", y(0, 0));
}
