#include <tshape/tshape.hpp>
using namespace tshape;

int main() {
  Tensor<float, Shape<dyn, 20>> batch(32);
  auto fixed = view_as<Shape<32, 20>>(batch);  // the batch is checked at run time
  return fixed.extent(0) == 32 ? 0 : 1;
}
