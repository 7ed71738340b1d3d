#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<32, 10>> data;
  auto rows = reshape<-1, 32>(data);
  static_assert(std::is_same_v<decltype(rows), TensorView<float, Shape<10, 32>>>);
  return 0;
}
