// EXPECT-MESSAGE: tshape: the data.s rank is not the one the model expects
// EXPECT-ERROR: WRONG_RANK<.*at_model_input, .*Input<100, 5>, .*expected_input_shape<.*None, 100, 5>, .*but_got_shape<100, 5>, .*fix_with_expand_dims<0>
// TITLE: One sequence of (timesteps, features) fed to an LSTM model without its sample axis
// SEED: 003
// KERAS: ValueError: Input 0 of layer "sequential" is incompatible with the layer: expected shape=(None, 100, 5), found shape=(100, 5)
// FIX: add the sample axis in front with expand_dims<0>(x), as np.expand_dims(data, axis=0).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<100, 5>, LSTM<64>, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<100, 5>> data;  // 100 timesteps, 5 features: one sample
  auto y = net(data);
  (void)y;
}
