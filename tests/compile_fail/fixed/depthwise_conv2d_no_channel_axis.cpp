#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<28, 28, 1>, DepthwiseConv2D<Kernel<3, 3>, Padding::same, ReLU6>, GlobalAveragePooling2D,
                       Dense<10, Softmax>>;

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 28, 28>> images;  // grey images as they come, without a channel axis
  images.fill(0.5f);
  auto scores = net(expand_dims<-1>(images));
  return scores.size() == 20 ? 0 : 1;
}
