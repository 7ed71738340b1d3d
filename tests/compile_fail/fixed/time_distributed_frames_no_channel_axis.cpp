#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<10, 28, 28, 1>, TimeDistributed<Conv2D<16, Kernel<3, 3>, ReLU>>, TimeDistributed<GlobalAveragePooling2D>,
                       LSTM<32>, Dense<5, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 10, 28, 28>> clips;  // grey frames as they come, without a channel axis
  auto scores = net(expand_dims<-1>(clips));
  return scores.size() == 2 * 5 ? 0 : 1;
}
