// EXPECT-MESSAGE: tshape: the data.s rank is not the one the model expects
// EXPECT-ERROR: WRONG_RANK<.*at_model_input, .*Input<20>, .*expected_input_shape<.*None, 20>, .*but_got_shape<32, 20, 1>, .*fix_with_squeeze<-1>
// TITLE: Data with a trailing axis of 1 fed to a model of rank-1 samples
// SEED: 000
// KERAS: ValueError: Input 0 of layer "sequential" is incompatible with the layer: expected ndim=2, found ndim=3. Full shape received: (32, 20, 1)
// FIX: remove the axis with squeeze<-1>(x), as the diagnosis says.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<32, 20, 1>> x;
  auto y = net(x);
  (void)y;
}
