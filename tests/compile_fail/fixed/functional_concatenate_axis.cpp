#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<16, 16, 1>{};
constexpr auto skip = MaxPooling2D<>{}(Conv2D<8, Kernel<3, 3>, Padding::same, ReLU>{}(image));  // (8, 8, 8)
constexpr auto deep = MaxPooling2D<>{}(Conv2D<16, Kernel<3, 3>, Padding::same, ReLU>{}(image));  // (8, 8, 16)
constexpr auto joined = Concatenate<>{}(skip, deep);  // (8, 8, 24)
constexpr auto mask = Conv2D<1, Kernel<1, 1>, Sigmoid>{}(joined);
using Net = decltype(model(image, mask));

static_assert(std::is_same_v<Net::output_shape, Shape<8, 8, 1>>);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<1, 16, 16, 1>> x;
  for (int i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 5) / 5.0f;
  Tensor<float, Shape<1, 8, 8, 1>> y = net(x);
  std::printf("%f\n", y(0, 0, 0, 0));
  for (int i = 0; i < y.size(); ++i)  // a sigmoid's mask
    if (!(y[i] > 0.0f && y[i] < 1.0f)) return 1;
  return 0;
}
