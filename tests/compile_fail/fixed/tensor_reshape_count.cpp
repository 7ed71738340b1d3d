#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<32, 10>> data;
  auto rows = reshape<-1, 64>(data);
  static_assert(std::is_same_v<decltype(rows), TensorView<float, Shape<5, 64>>>);
  return rows.data() == data.data() ? 0 : 1;
}
