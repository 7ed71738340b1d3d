#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 3>, LSTM<16>, RepeatVector<10>, LSTM<16, ReturnSequences>, TimeDistributed<Dense<3>>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 10, 3>> x;
  x.fill(0.5f);
  auto y = net(x);
  return y.size() == 2 * 10 * 3 ? 0 : 1;
}
