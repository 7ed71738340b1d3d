#include <tshape/tshape.hpp>
using namespace tshape;

using Head = Sequential<Input<30, 30, 32>, Reshape<30 * 30 * 32>, Dense<10, Softmax>>;
static_assert(std::is_same_v<Head::shape_at<1>, Shape<28800>>);

int main() {
  auto head = make_model<Head>();
  Tensor<float, Shape<dyn, 30, 30, 32>> features(2);
  return head(features).extent(1) == 10 ? 0 : 1;
}
