// bench/int8: an int8 Dense, Conv2D and DepthwiseConv2D (quantize(), kernels/quant) against the float layer they come from,
// in one process, interleaved sample by sample (the machine is shared and noisy).
//
//   float       net->forward(x, y) on Sequential<Input<in>, Dense<out>> (tshape's float kernels; OpenBLAS
//               where tshape uses it, on 1 thread)
//   int8 model  q.forward(x, y, arena): float in, quantized, the int8 Dense, dequantized: what replaces
//               the float call
//   int8 kernel kernels::quant::dense on int8 rows: the integer layer alone, as inside an int8 model
// Reported: each variant's median time per call, the medians of the paired per-round ratios
// t(float) / t(int8 ...), so a ratio above 1 means int8 is faster, and the largest difference of the
// int8 model's outputs from float's, in output quantization steps. The int8 kernel path is the target's
// (AVX-512 VNNI, AVX2, NEON or portable), printed with the figures.
//
// Usage: int8 [--quick] [--seconds S]
//   --quick    a few rounds of a few calls each: a smoke test that also checks int8 stays near float
//   --seconds  time budget per shape (default 1.5)
#include <tshape/tshape.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

extern "C" {
__attribute__((weak)) void openblas_set_num_threads(int);
}

namespace {

struct options {
  bool quick = false;
  double seconds = 1.5;
};

inline void clobber(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct variant {
  const char* name;
  std::function<void()> call;
  double sample(int calls) const {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) call();
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / calls;
  }
};

template <int B, int I, int O>
bool run_shape(const options& opt) {
  using Net = tshape::Sequential<tshape::Input<I>, tshape::Dense<O>>;
  auto net = tshape::make_model<Net>(1);
  tshape::Tensor<float, tshape::Shape<B, I>> x;
  tshape::Tensor<float, tshape::Shape<64, I>> calibration;
  std::uint64_t s = 88172645463325252ULL;
  auto uniform = [&] {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return static_cast<float>((s >> 40) * 0x1.0p-24) * 2.0f - 1.0f;
  };
  for (auto& v : calibration) v = uniform();
  for (auto& v : x) v = uniform();
  auto q = std::make_unique<tshape::Quantized<Net>>(tshape::quantize(*net, calibration));
  auto arena = std::make_unique<typename tshape::Quantized<Net>::template arena<B>>();
  auto yf = std::make_unique<tshape::Tensor<float, tshape::Shape<B, O>>>();
  auto yq = std::make_unique<tshape::Tensor<float, tshape::Shape<B, O>>>();
  const auto xq = q->quantize_input(x);
  std::vector<std::int8_t> y8(static_cast<std::size_t>(B) * O);
  const auto& st = std::get<0>(q->stages);
  const tshape::kernels::quant::requantization rq{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                                                  q->tensors[0].zero_point, q->tensors[1].zero_point, st.min, st.max};

  std::vector<variant> vs;
  vs.push_back({"float", [&] { net->forward(x, *yf), clobber(yf->data()); }});
  vs.push_back({"int8 model", [&] { q->forward(x.data(), yq->data(), *arena), clobber(yq->data()); }});
  vs.push_back({"int8 kernel", [&] {
                  tshape::kernels::quant::dense(B, I, O, xq.data(), st.packed.data(), rq, y8.data());
                  clobber(y8.data());
                }});

  // Samples of ~50 us (quick: 2 calls), rounds in rotating order until the time budget is spent.
  std::vector<int> calls(vs.size());
  double round_ns = 0;
  for (std::size_t k = 0; k < vs.size(); ++k) {
    vs[k].sample(1);
    const double per = std::max(vs[k].sample(3), 1.0);
    calls[k] = opt.quick ? 2 : std::max(1, static_cast<int>(50e3 / per));
    round_ns += per * calls[k];
  }
  const int rounds = opt.quick ? 3 : std::clamp(static_cast<int>(opt.seconds * 1e9 / round_ns), 11, 4001);
  std::vector<std::vector<double>> t(vs.size());
  for (int r = 0; r < rounds; ++r)
    for (std::size_t j = 0; j < vs.size(); ++j) {
      const std::size_t k = (j + static_cast<std::size_t>(r)) % vs.size();
      t[k].push_back(vs[k].sample(calls[k]));
    }
  std::vector<double> vs_model(rounds), vs_kernel(rounds);
  for (int r = 0; r < rounds; ++r) {
    vs_model[r] = t[0][r] / t[1][r];
    vs_kernel[r] = t[0][r] / t[2][r];
  }

  // int8 must stay near float: within a few output steps (the output's quantization step; the input's
  // and the weights' rounding add up over `in` terms, so a wide layer strays a few steps).
  double worst = 0;
  for (std::ptrdiff_t i = 0; i < yf->size(); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs((*yf)[i] - (*yq)[i]) / q->output_quantization().scale));
  const bool near = worst <= 8.0;
  std::printf("(%3d, %4d, %4d)  %10.0f %12.0f %12.0f   %6.2fx %7.2fx   %4.1f%s\n", B, I, O, median(t[0]), median(t[1]),
              median(t[2]), median(vs_model), median(vs_kernel), worst, near ? "" : "  INT8 FAR FROM FLOAT");
  return near;
}

// The same for a Conv2D (3x3, 'same', stride 1) on (B, H, W, C) images with F filters.
template <int B, int H, int W, int C, int F>
bool run_conv(const options& opt) {
  using Net = tshape::Sequential<tshape::Input<H, W, C>, tshape::Conv2D<F, tshape::Kernel<3, 3>, tshape::Padding::same>>;
  using Q = tshape::Quantized<Net>;
  auto net = tshape::make_model<Net>(1);
  auto x = std::make_unique<tshape::Tensor<float, tshape::Shape<B, H, W, C>>>();
  auto calibration = std::make_unique<tshape::Tensor<float, tshape::Shape<8, H, W, C>>>();
  std::uint64_t s = 88172645463325252ULL;
  auto uniform = [&] {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return static_cast<float>((s >> 40) * 0x1.0p-24) * 2.0f - 1.0f;
  };
  for (auto& v : *calibration) v = uniform();
  for (auto& v : *x) v = uniform();
  auto q = std::make_unique<Q>(tshape::quantize(*net, *calibration));
  auto arena = std::make_unique<typename Q::template arena<B>>();
  auto yf = std::make_unique<tshape::Tensor<float, tshape::Shape<B, H, W, F>>>();
  auto yq = std::make_unique<tshape::Tensor<float, tshape::Shape<B, H, W, F>>>();
  const auto xq = q->quantize_input(*x);
  constexpr auto g = tshape::detail::quant::conv_geometry_of<tshape::Conv2D<F, tshape::Kernel<3, 3>, tshape::Padding::same>,
                                                             tshape::Shape<H, W, C>>();
  std::vector<std::int8_t> y8(static_cast<std::size_t>(B) * H * W * F), scratch(g.scratch_bytes());
  const auto& st = std::get<0>(q->stages);
  const tshape::kernels::quant::requantization rq{st.bias.data(), st.sums.data(), st.multiplier.data(), st.shift.data(),
                                                  q->tensors[0].zero_point, q->tensors[1].zero_point, st.min, st.max};
  std::vector<variant> vs;
  vs.push_back({"float", [&] { net->forward(*x, *yf), clobber(yf->data()); }});
  vs.push_back({"int8 model", [&] { q->forward(x->data(), yq->data(), *arena), clobber(yq->data()); }});
  vs.push_back({"int8 kernel", [&] {
                  tshape::kernels::quant::conv2d(g, B, xq.data(), st.packed.data(), rq, scratch.data(), y8.data());
                  clobber(y8.data());
                }});
  std::vector<int> calls(vs.size());
  double round_ns = 0;
  for (std::size_t k = 0; k < vs.size(); ++k) {
    vs[k].sample(1);
    const double per = std::max(vs[k].sample(3), 1.0);
    calls[k] = opt.quick ? 2 : std::max(1, static_cast<int>(50e3 / per));
    round_ns += per * calls[k];
  }
  const int rounds = opt.quick ? 3 : std::clamp(static_cast<int>(opt.seconds * 1e9 / round_ns), 11, 4001);
  std::vector<std::vector<double>> t(vs.size());
  for (int r = 0; r < rounds; ++r)
    for (std::size_t j = 0; j < vs.size(); ++j) {
      const std::size_t k = (j + static_cast<std::size_t>(r)) % vs.size();
      t[k].push_back(vs[k].sample(calls[k]));
    }
  std::vector<double> vs_model(rounds), vs_kernel(rounds);
  for (int r = 0; r < rounds; ++r) {
    vs_model[r] = t[0][r] / t[1][r];
    vs_kernel[r] = t[0][r] / t[2][r];
  }
  double worst = 0;
  for (std::ptrdiff_t i = 0; i < yf->size(); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs((*yf)[i] - (*yq)[i]) / q->output_quantization().scale));
  const bool near = worst <= 8.0;
  std::printf("conv (%d, %d, %d, %d) -> %d  %9.0f %12.0f %12.0f   %6.2fx %7.2fx   %4.1f%s\n", B, H, W, C, F, median(t[0]),
              median(t[1]), median(t[2]), median(vs_model), median(vs_kernel), worst, near ? "" : "  INT8 FAR FROM FLOAT");
  return near;
}

// The same for a DepthwiseConv2D (3x3, 'same', stride S, depth multiplier 1) on (B, H, W, C) images.
template <int B, int H, int W, int C, int S>
bool run_depthwise(const options& opt) {
  using Layer = tshape::DepthwiseConv2D<tshape::Kernel<3, 3>, tshape::Strides<S>, tshape::Padding::same>;
  using Net = tshape::Sequential<tshape::Input<H, W, C>, Layer>;
  using Q = tshape::Quantized<Net>;
  using Out = typename Net::output_shape;
  auto net = tshape::make_model<Net>(1);
  auto x = std::make_unique<tshape::Tensor<float, tshape::Shape<B, H, W, C>>>();
  auto calibration = std::make_unique<tshape::Tensor<float, tshape::Shape<32, H, W, C>>>();
  std::uint64_t s = 88172645463325252ULL;
  auto uniform = [&] {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    return static_cast<float>((s >> 40) * 0x1.0p-24) * 2.0f - 1.0f;
  };
  for (auto& v : *calibration) v = uniform();
  for (auto& v : *x) v = uniform();
  auto q = std::make_unique<Q>(tshape::quantize(*net, *calibration));
  auto arena = std::make_unique<typename Q::template arena<B>>();
  auto yf = std::make_unique<tshape::Tensor<float, tshape::prepend_t<B, Out>>>();
  auto yq = std::make_unique<tshape::Tensor<float, tshape::prepend_t<B, Out>>>();
  const auto xq = q->quantize_input(*x);
  std::vector<std::int8_t> y8(static_cast<std::size_t>(B) * Out::static_size);
  const auto& st = std::get<0>(q->stages);
  const tshape::kernels::quant::requantization rq{st.bias.data(), nullptr, st.multiplier.data(), st.shift.data(),
                                                  q->tensors[0].zero_point, q->tensors[1].zero_point, st.min, st.max};
  constexpr auto g = tshape::detail::quant::window_of<Layer, tshape::Shape<H, W, C>>;
  std::vector<variant> vs;
  vs.push_back({"float", [&] { net->forward(*x, *yf), clobber(yf->data()); }});
  vs.push_back({"int8 model", [&] { q->forward(x->data(), yq->data(), *arena), clobber(yq->data()); }});
  vs.push_back({"int8 kernel", [&] {
                  tshape::kernels::quant::depthwise(g, B, xq.data(), st.weights.data(), rq, y8.data());
                  clobber(y8.data());
                }});
  std::vector<int> calls(vs.size());
  double round_ns = 0;
  for (std::size_t k = 0; k < vs.size(); ++k) {
    vs[k].sample(1);
    const double per = std::max(vs[k].sample(3), 1.0);
    calls[k] = opt.quick ? 2 : std::max(1, static_cast<int>(50e3 / per));
    round_ns += per * calls[k];
  }
  const int rounds = opt.quick ? 3 : std::clamp(static_cast<int>(opt.seconds * 1e9 / round_ns), 11, 4001);
  std::vector<std::vector<double>> t(vs.size());
  for (int r = 0; r < rounds; ++r)
    for (std::size_t j = 0; j < vs.size(); ++j) {
      const std::size_t k = (j + static_cast<std::size_t>(r)) % vs.size();
      t[k].push_back(vs[k].sample(calls[k]));
    }
  std::vector<double> vs_model(rounds), vs_kernel(rounds);
  for (int r = 0; r < rounds; ++r) {
    vs_model[r] = t[0][r] / t[1][r];
    vs_kernel[r] = t[0][r] / t[2][r];
  }
  double worst = 0;
  for (std::ptrdiff_t i = 0; i < yf->size(); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs((*yf)[i] - (*yq)[i]) / q->output_quantization().scale));
  const bool near = worst <= 8.0;
  std::printf("depthwise (%d, %d, %d, %d) /%d  %9.0f %12.0f %12.0f   %6.2fx %7.2fx   %4.1f%s\n", B, H, W, C, S, median(t[0]),
              median(t[1]), median(t[2]), median(vs_model), median(vs_kernel), worst, near ? "" : "  INT8 FAR FROM FLOAT");
  return near;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      opt.quick = true;
    } else if (a == "--seconds" && i + 1 < argc) {
      opt.seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  if (openblas_set_num_threads) openblas_set_num_threads(1);
  std::printf("int8 Dense against float Dense, 1 thread; int8 kernels: %s%s\n", tshape::kernels::quant::dense_path(),
              opt.quick ? " (quick: a smoke test, not figures)" : "");
  std::printf("(batch, in, out)   float ns  int8 model ns  int8 kernel ns  float/model float/kernel  steps\n");
  bool ok = true;
  ok &= run_shape<1, 128, 128>(opt);
  ok &= run_shape<1, 784, 128>(opt);
  ok &= run_shape<32, 128, 128>(opt);
  ok &= run_shape<32, 784, 128>(opt);
  ok &= run_shape<32, 1024, 1024>(opt);
  std::printf("Conv2D 3x3 'same' (batch, h, w, channels) -> filters; int8 kernels: %s\n", tshape::kernels::quant::conv2d_path());
  ok &= run_conv<1, 28, 28, 16, 32>(opt);
  ok &= run_conv<1, 32, 32, 32, 64>(opt);
  ok &= run_conv<8, 16, 16, 64, 64>(opt);
  std::printf("DepthwiseConv2D 3x3 'same' (batch, h, w, channels) /stride; int8 kernels: %s\n",
              tshape::kernels::quant::depthwise_path());
  ok &= run_depthwise<1, 56, 56, 32, 1>(opt);
  ok &= run_depthwise<1, 28, 28, 96, 2>(opt);
  ok &= run_depthwise<1, 14, 14, 256, 1>(opt);
  ok &= run_depthwise<8, 14, 14, 64, 1>(opt);
  return ok ? 0 : 1;
}
