#include <tshape/tshape.hpp>
using namespace tshape;

using Decoder = Sequential<Input<16>, Reshape<4, 4, 1>, Conv2DTranspose<16, Kernel<3>, Strides<2>, OutputPadding<1>, ReLU>,
                           Conv2D<1, Kernel<3>, Padding::same, Sigmoid>>;

int main() {
  static_assert(std::is_same_v<Decoder::output_shape, Shape<10, 10, 1>>);  // (4 - 1) * 2 + 3 + 1
  auto net = make_model<Decoder>();
  Tensor<float, Shape<2, 16>> z;
  for (int i = 0; i < z.size(); ++i) z[i] = static_cast<float>(i % 5) / 5.0f;
  auto image = net(z);
  for (int i = 0; i < image.size(); ++i)  // a sigmoid's pixels
    if (!(image[i] > 0.0f && image[i] < 1.0f)) return 1;
  return 0;
}
