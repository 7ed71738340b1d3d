// EXPECT-MESSAGE: tshape: this returns a view of its argument.s elements
// EXPECT-ERROR: VIEW_OF_TEMPORARY<.*in_expand_dims, .*but_got_shape<.*None, 28, 28>
// TITLE: A view of a temporary tensor
// SEED: -
// KERAS: none (Python keeps the array alive); in C++ the view would point at freed memory
// FIX: name the tensor first, then take views of it.
#include <tshape/tshape.hpp>
using namespace tshape;

Tensor<float, Shape<dyn, 28, 28>> load_images() { return Tensor<float, Shape<dyn, 28, 28>>(10); }

int main() {
  auto images = expand_dims<-1>(load_images());
  return images.extent(3) == 1 ? 0 : 1;
}
