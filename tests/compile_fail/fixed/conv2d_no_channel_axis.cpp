#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<28, 28, 1>, Conv2D<32, Kernel<3, 3>, ReLU>, MaxPooling2D<>, GlobalAveragePooling2D, Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 28, 28>> images;  // grey images as they come, without a channel axis
  auto scores = net(expand_dims<-1>(images));
  return scores.size() == 20 ? 0 : 1;
}
