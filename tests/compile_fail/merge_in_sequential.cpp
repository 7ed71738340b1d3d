// EXPECT-MESSAGE: tshape: a merge layer .Add, Concatenate, Multiply, .... combines several tensors, and a Sequential passes one
// EXPECT-ERROR: MERGE_IN_SEQUENTIAL<.*at_layer<2>, .*Add, .*combines_several_tensors
// TITLE: An Add in a Sequential, meant as a skip connection
// SEED: -
// KERAS: TypeError: The added layer must be an instance of class Layer (written Add()), or ValueError: A merge layer should be called on a list of inputs (written Add()(x))
// FIX: x + f(x) in a Sequential is Residual<Dense<32, ReLU>, Dense<32>>; any other merge takes its tensors in a functional model: Add{}(a, b).
// MAX-LINES: 9
// MAX-LINES-CLANG: 12
#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<32, ReLU>, Add, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 16>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 4 ? 0 : 1;
}
