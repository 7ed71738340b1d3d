#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<50, 8>, Bidirectional<GRU<32, ReturnSequences>, MergeMode::sum>, GlobalAveragePooling1D,
                       Dense<1, Sigmoid>>;
static_assert(std::is_same_v<Net::shape_at<1>, Shape<50, 32>>);  // the sum keeps the GRU's 32 units

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<4, 50, 8>> x;
  x.fill(0.1f);
  auto y = net(x);
  std::printf("%f\n", y(0, 0));
  return y(0, 0) > 0.0f && y(0, 0) < 1.0f ? 0 : 1;
}
