// Builds and runs a small model through the installed or added-in-tree tshape.
#include <tshape/tshape.hpp>

#include <cstdio>

using Net = tshape::Sequential<tshape::Input<4>, tshape::Dense<8, tshape::ReLU>, tshape::Dense<2, tshape::Softmax>>;

int main() {
  auto net = tshape::make_model<Net>();
  tshape::Tensor<float, tshape::Shape<3, 4>> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  auto y = net(x);
  const float total = y(0, 0) + y(0, 1);
  std::printf("consumer: %zu parameters, row sums to %.3f\n", static_cast<std::size_t>(Net::param_count), total);
  return total > 0.999f && total < 1.001f ? 0 : 1;
}
