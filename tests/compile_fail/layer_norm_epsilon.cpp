// EXPECT-MESSAGE: tshape: the layer cannot take this value of an option
// EXPECT-ERROR: BAD_OPTION_VALUE<.*at_layer<1>, .*LayerNormalization<.*Epsilon<0, 1> ?>, .*epsilon<0, 1>
// TITLE: LayerNormalization with an epsilon of 0
// SEED: -
// KERAS: no error: epsilon=0 is taken, and a row of equal values (a padded timestep) divides 0 by 0 into NaN
// FIX: keep epsilon positive: Keras' 1e-3 by default, or e.g. Epsilon<1, 100000> for PyTorch's 1e-5.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 32>, Dense<32>, LayerNormalization<Epsilon<0>>, Dense<1>>;

Net::output_shape y;
