#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<30, 10>> data;
  auto rows = reshape<-1, 100>(data);
  static_assert(std::is_same_v<decltype(rows), TensorView<float, Shape<3, 100>>>);
  return rows.data() == data.data() ? 0 : 1;
}
