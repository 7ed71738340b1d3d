#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<32, 5, 5, 1>> scores;
  auto v = squeeze<-1>(scores);
  static_assert(std::is_same_v<decltype(v), TensorView<float, Shape<32, 5, 5>>>);
  return 0;
}
