// EXPECT-MESSAGE: tshape: the layer.s input does not have the rank the layer expects
// EXPECT-ERROR: WRONG_RANK<.*at_layer<1>, .*UpSampling2D<>, .*expected_rank<3>, .*but_got_shape<.*None, 49>
// TITLE: A decoder up-samples a Dense layer's vector (49,) without first making it a 7x7 map
// SEED: -
// KERAS: ValueError: Input 0 of layer "up_sampling2d" is incompatible with the layer: expected ndim=4, found ndim=2. Full shape received: (None, 49)
// FIX: give the vector its map shape first: Reshape<7, 7, 1> between the Dense and the UpSampling2D.
#include <tshape/tshape.hpp>
using namespace tshape;

using Decoder = Sequential<Input<16>, Dense<49, ReLU>, UpSampling2D<>, Conv2D<1, Kernel<3>, Padding::same, Sigmoid>>;

Decoder::output_shape image;
