#include <cstdio>
#include <tshape/tshape.hpp>
using namespace tshape;

constexpr auto image = Input<15, 15, 3>{};
constexpr auto skip = Conv2D<8, Kernel<3>, Padding::same, ReLU>{}(image);                         // (15, 15, 8)
constexpr auto bottom = Conv2D<16, Kernel<3>, Padding::same, ReLU>{}(MaxPooling2D<>{}(skip));      // (7, 7, 16)
constexpr auto up = ZeroPadding2D<0, 1, 0, 1>{}(UpSampling2D<>{}(bottom));                         // (15, 15, 16)
constexpr auto joined = Concatenate<>{}(skip, up);                                                 // (15, 15, 24)
constexpr auto mask = Conv2D<1, Kernel<1>, Sigmoid>{}(joined);
using Net = decltype(model(image, mask));

static_assert(std::is_same_v<Net::output_shape, Shape<15, 15, 1>>);

int main() {
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 15, 15, 3>> x;
  for (int i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 9) / 9.0f;
  auto y = net(x);
  std::printf("%f\n", y(0, 0, 0, 0));
  for (int i = 0; i < y.size(); ++i)  // a sigmoid's mask
    if (!(y[i] > 0.0f && y[i] < 1.0f)) return 1;
  return 0;
}
