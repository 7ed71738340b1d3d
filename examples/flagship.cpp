// The flagship example: a model whose shapes are checked when it compiles, run on a batch.
#include <tshape/tshape.hpp>

#include <chrono>
#include <cstdio>

using namespace tshape;

using Net = Sequential<Input<20>,              // one sample: 20 features; the batch axis is separate
                       Dense<64, ReLU>,
                       Dense<64, ReLU>,
                       Dense<3, Softmax>>;

static_assert(std::is_same_v<Net::output_shape, Shape<3>>);
static_assert(Net::param_count == 5'699);      // Keras' summary() total for the same model

int main() {
  auto net = make_model<Net>();                 // parameters on the heap, Keras' initializers
  print_summary<Net>();

  Tensor<float, Shape<32, 20>> x;               // a static batch; Shape<dyn, 20> works too
  for (int i = 0; i < 32; ++i)
    for (int j = 0; j < 20; ++j) x(i, j) = 0.05f * static_cast<float>((i * 7 + j * 3) % 11) - 0.25f;

  Tensor<float, Shape<32, 3>> y = net(x);
  std::printf("sample 0 -> (%.4f, %.4f, %.4f)\n", y(0, 0), y(0, 1), y(0, 2));

  constexpr int rounds = 20000;
  const auto start = std::chrono::steady_clock::now();
  float sink = 0;
  for (int r = 0; r < rounds; ++r) {
    x(0, 0) = static_cast<float>(r % 7);
    sink += net(x)(0, 0);
  }
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f ns per sample (batch 32, %s kernels, BLAS: %s %s)  [%g]\n", ns / rounds / 32, simd_name(),
              blas_info().library, blas_info().core, sink > -1e30f ? 0.0 : 1.0);
  if (blas_info().generic_core) std::printf("note: %s\n", blas_info().advice);
}
