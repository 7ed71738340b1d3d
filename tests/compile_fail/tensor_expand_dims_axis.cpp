// EXPECT-MESSAGE: tshape: expand_dims and squeeze take an axis the tensor has
// EXPECT-ERROR: INVALID_AXIS<.*in_expand_dims, .*axis<4, 1>, .*axis_out_of_range, .*but_got_shape<60000, 28, 28>
// TITLE: expand_dims at an axis past the end
// SEED: 001
// KERAS: numpy.exceptions.AxisError: axis 4 is out of bounds for array of dimension 4
// FIX: a new last axis is expand_dims<-1> (or expand_dims<3> for a rank-3 tensor).
#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<60000, 28, 28>> images;
  auto with_channel = expand_dims<4>(images);
  (void)with_channel;
}
