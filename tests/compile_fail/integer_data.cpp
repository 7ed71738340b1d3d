// EXPECT-ERROR: DTYPE_MISMATCH<.*at_model_input, .*expected_dtype<float>, .*but_got_dtype<int>
// TITLE: Integer data fed to a float model
// SEED: (the int32 case of the seeds' introduction)
// KERAS: a float model fed int32 data casts it silently, or fails inside a layer with a dtype error
// FIX: convert the data once, at the boundary, with cast<float>(x).
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<20>, Dense<64, ReLU>, Dense<1, Sigmoid>>;

int main() {
  auto net = make_model<Net>();
  Tensor<int, Shape<32, 20>> counts;
  auto y = net(counts);
  (void)y;
}
