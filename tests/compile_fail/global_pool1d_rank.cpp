// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<2>, .*GlobalAveragePooling1D, .*expected_rank<2>, .*but_got_shape<.*None, 32>
// TITLE: GlobalAveragePooling1D after a layer that already gives one vector per sample
// SEED: -
// KERAS: ValueError: Input 0 of layer "global_average_pooling1d" is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (None, 32)
// FIX: GlobalMaxPooling1D already gave one vector per sample: keep one of the two global pools. (The suggested expand_dims<-1> fits data fed straight to the layer, not this case.)
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<50, 8>, Conv1D<32, Kernel<3>, ReLU>, GlobalMaxPooling1D, GlobalAveragePooling1D, Dense<1>>;

Net::output_shape out;
