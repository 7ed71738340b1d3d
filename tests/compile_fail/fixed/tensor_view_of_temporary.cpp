#include <tshape/tshape.hpp>
using namespace tshape;

Tensor<float, Shape<dyn, 28, 28>> load_images() { return Tensor<float, Shape<dyn, 28, 28>>(10); }

int main() {
  auto pixels = load_images();
  auto images = expand_dims<-1>(pixels);
  // A view of a view is fine, temporary or not.
  auto rows = reshape<-1, 28>(pixels.view());
  return images.extent(3) == 1 && rows.extent(0) == 280 ? 0 : 1;
}
