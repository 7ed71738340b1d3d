#include <tshape/tshape.hpp>
using namespace tshape;

using Net = Sequential<Input<50, 1>, UpSampling1D<>, Conv1D<4, Kernel<5>, Padding::same, Tanh>>;

int main() {
  static_assert(std::is_same_v<Net::output_shape, Shape<100, 4>>);
  auto net = make_model<Net>();
  Tensor<float, Shape<2, 50>> signal;
  for (int i = 0; i < signal.size(); ++i) signal[i] = static_cast<float>(i % 8) / 8.0f;
  auto y = net(expand_dims<-1>(signal));
  return y.size() == 2 * 100 * 4 ? 0 : 1;
}
