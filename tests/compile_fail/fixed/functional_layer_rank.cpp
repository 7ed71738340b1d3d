#include <cmath>
#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<28, 28, 1>{};  // one channel
constexpr auto features = Conv2D<8, Kernel<3, 3>, ReLU>{}(image);
constexpr auto scores = Dense<10, Softmax>{}(GlobalAveragePooling2D{}(features));
using Net = decltype(model(image, scores));

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 28, 28>> x;
  for (int i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 11) / 11.0f;
  Tensor<float, Shape<2, 10>> y = net(expand_dims<-1>(x));
  std::printf("%f\n", y(0, 0));
  for (int n = 0; n < 2; ++n) {  // softmax scores sum to 1
    float sum = 0;
    for (int k = 0; k < 10; ++k) sum += y(n, k);
    if (std::fabs(sum - 1.0f) > 1e-5f) return 1;
  }
  return 0;
}
