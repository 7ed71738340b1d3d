#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  static Tensor<float, Shape<600, 28, 28>> images;
  auto with_channel = expand_dims<-1>(images);
  static_assert(std::is_same_v<decltype(with_channel), TensorView<float, Shape<600, 28, 28, 1>>>);
  return 0;
}
