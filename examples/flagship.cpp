// The flagship example: the CNN of the design, its shapes checked when it compiles, run on a batch.
#include <tshape/tshape.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

using namespace tshape;

using Net = Sequential<Input<20, 20, 1>,  // one sample: a 20x20 image with one channel; the batch is separate
                       Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>,
                       MaxPooling2D<Pool<2, 2>>,
                       Conv2D<64, Kernel<3, 3>, Padding::same, ReLU>,
                       MaxPooling2D<Pool<2, 2>>,
                       GlobalAveragePooling2D,
                       Dense<1, Sigmoid>>;

static_assert(std::is_same_v<Net::output_shape, Shape<1>>);
static_assert(Net::param_count == 18'881);  // Keras' summary() total for the same net

int main() {
  auto net = make_model<Net>();  // parameters on the heap, Keras' initializers; `static Net net;` on a MCU
  print_summary<Net>();          // Keras' table, computed at compile time

  Tensor<float, Shape<32, 20, 20, 1>> x;  // a static batch of 32; Shape<dyn, 20, 20, 1> works too
  for (int n = 0; n < 32; ++n)
    for (int i = 0; i < 20; ++i)
      for (int j = 0; j < 20; ++j) x(n, i, j, 0) = std::sin(0.3f * static_cast<float>(i * j + n));

  Tensor<float, Shape<32, 1>> y = net(x);
  std::printf("\nscores of samples 0..3: %.4f %.4f %.4f %.4f\n", y(0, 0), y(1, 0), y(2, 0), y(3, 0));

  constexpr int rounds = 200;
  float sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) sink += net(x)(r % 32, 0);
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.2f us per sample (batch 32, %s kernels; BLAS: %s, core %s)%s\n", us / rounds / 32, simd_name(),
              blas_info().library, blas_info().core, sink == sink ? "" : " [NaN]");
  if (blas_info().generic_core) std::printf("note: %s\n", blas_info().advice);
}
