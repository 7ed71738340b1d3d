// EXPECT-MESSAGE: tshape: the layer.s options cannot apply to its input
// EXPECT-ERROR: INVALID_OPTION<.*at_layer<1>, .*Cropping1D<4, 4>, .*cropping<4, 4>, .*input_extent<8>, .*cropping_must_leave_at_least_one_cell_of_each_axis
// TITLE: Cropping1D takes 4 + 4 steps off sequences a 'valid' Conv1D left 8 steps long
// SEED: -
// KERAS: ValueError: `cropping` parameter of `Cropping1D` layer must be smaller than the input length. Received: input_shape=(None, 8, 16), cropping=(4, 4)
// FIX: crop fewer steps than the sequence holds (Cropping1D<3, 4> leaves one), or give the Conv1D Padding::same to keep 10 steps.
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 2>, Conv1D<16, Kernel<3>, ReLU>, Cropping1D<4, 4>, Flatten, Dense<1>>;

Net::output_shape out;
