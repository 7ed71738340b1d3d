// bench/depthwise: tshape's DepthwiseConv2D against oneDNN's depthwise convolution on MobileNetV2's
// block shapes (NHWC fp32, 3x3, 'same', bias, linear activation), batch 1 and 32, one thread.
//
//   tshape   net->forward(x, y) on Sequential<Input<h, w, c>, DepthwiseConv2D<Kernel<3>, Strides<s>,
//            Padding::same>>, the call a user makes (kernels/conv/depthwise.hpp, on the calling thread)
//   oneDNN   convolution_forward with groups = channels (weights (c, 1, 1, 3, 3)), NHWC source and
//            destination, weights in the layout oneDNN picks (reordered once, outside the timing),
//            TensorFlow's pads given as padding_l / padding_r; one OpenMP thread
//
// Both are checked against the scalar reference (kernels/conv/depthwise_reference.hpp) first. The two
// run in one process, interleaved sample by sample (the machine is shared): each round takes one sample
// of each in turn; a sample is `reps` back-to-back calls. Reported: the median time per call, GFLOP/s
// of the best sample, and the median over rounds of the paired ratio t(oneDNN) / t(tshape) (above 1:
// tshape is faster), in brackets the ratio of the best samples.
//
// Usage: depthwise [--quick] [--seconds S]
#include <tshape/kernels/conv/depthwise_reference.hpp>
#include <tshape/tshape.hpp>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <dnnl.hpp>

namespace {

namespace tk = tshape::kernels;
using clock_type = std::chrono::steady_clock;

struct dw_shape {
  int n, h, w, c, s;
  const char* label;
};
// MobileNetV2's depthwise layers at 224x224 (expansion 6): stride 1 and the stride-2 block entries.
constexpr dw_shape shapes[] = {
    {1, 112, 112, 32, 1, "1,112,112,32 s1"},  {1, 56, 56, 144, 1, "1,56,56,144 s1"},
    {1, 56, 56, 144, 2, "1,56,56,144 s2"},    {1, 28, 28, 192, 2, "1,28,28,192 s2"},
    {1, 14, 14, 384, 1, "1,14,14,384 s1"},    {1, 7, 7, 960, 1, "1,7,7,960 s1"},
    {32, 56, 56, 144, 1, "32,56,56,144 s1"},  {32, 28, 28, 192, 2, "32,28,28,192 s2"},
    {32, 14, 14, 384, 1, "32,14,14,384 s1"},  {32, 7, 7, 960, 1, "32,7,7,960 s1"},
};

struct options {
  bool quick = false;
  double seconds = 2.0;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
double best_of(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }

struct aligned_floats {
  std::unique_ptr<float[], void (*)(float*)> p{nullptr, [](float* q) { std::free(q); }};
  std::size_t n = 0;
  explicit aligned_floats(std::size_t count) : n(count) {
    p.reset(static_cast<float*>(std::aligned_alloc(64, (std::max<std::size_t>(count, 1) * sizeof(float) + 63) / 64 * 64)));
    std::fill(p.get(), p.get() + count, 0.0f);
  }
  float* data() const { return p.get(); }
};

struct problem {
  dw_shape s;
  tk::window_geometry g;
  aligned_floats x, kernel, bias;
  explicit problem(const dw_shape& shape)
      : s(shape),
        g(tk::make_geometry(shape.h, shape.w, shape.c, 3, 3, shape.s, shape.s, 1, 1, true, shape.c)),
        x(static_cast<std::size_t>(shape.n) * g.input_floats()),
        kernel(static_cast<std::size_t>(9) * shape.c),
        bias(static_cast<std::size_t>(shape.c)) {
    std::uint64_t st = 88172645463325252ULL;
    auto rnd = [&] {
      st ^= st << 13, st ^= st >> 7, st ^= st << 17;
      return static_cast<float>((st >> 40) * 0x1.0p-24) - 0.5f;
    };
    for (std::size_t i = 0; i < x.n; ++i) x.data()[i] = rnd();
    for (std::size_t i = 0; i < kernel.n; ++i) kernel.data()[i] = rnd();
    for (std::size_t i = 0; i < bias.n; ++i) bias.data()[i] = rnd();
  }
  std::size_t out_floats() const { return static_cast<std::size_t>(s.n) * g.output_floats(); }
  double flops() const { return 2.0 * 9.0 * static_cast<double>(g.output_floats()) * s.n; }
};

// tshape: the layer in a one-layer model, called as a user calls it.
template <int H, int W, int C, int S>
struct tshape_variant {
  using Net = tshape::Sequential<tshape::Input<H, W, C>,
                                 tshape::DepthwiseConv2D<tshape::Kernel<3>, tshape::Strides<S>, tshape::Padding::same>>;
  using in_view = tshape::TensorView<const float, tshape::prepend_t<tshape::dyn, typename Net::input_shape>>;
  using out_view = tshape::TensorView<float, tshape::prepend_t<tshape::dyn, typename Net::output_shape>>;
  const problem& p;
  tshape::model_ptr<Net> net = tshape::make_model<Net>();
  aligned_floats y;
  explicit tshape_variant(const problem& pr) : p(pr), y(pr.out_floats()) {
    auto& dw = tshape::layer<0>(net);
    std::copy(p.kernel.data(), p.kernel.data() + p.kernel.n, dw.depthwise_kernel().data());
    std::copy(p.bias.data(), p.bias.data() + p.bias.n, dw.bias().data());
  }
  void run() const {
    const Net& model = *net;
    model.forward(in_view(p.x.data(), {p.s.n}), out_view(y.data(), {p.s.n}));
  }
};

// oneDNN: a grouped convolution with one filter per group.
struct dnnl_variant {
  const problem& p;
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::convolution_forward conv;
  dnnl::memory src, wei, bia, dst;
  std::string impl;
  explicit dnnl_variant(const problem& pr) : p(pr) {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    const auto& g = p.g;
    const dnnl::memory::dims src_d{p.s.n, g.c, g.h, g.w}, wei_d{g.c, 1, 1, g.kh, g.kw}, bia_d{g.c},
        dst_d{p.s.n, g.oc, g.oh, g.ow};
    const dnnl::memory::desc src_md(src_d, dt::f32, tag::nhwc), dst_md(dst_d, dt::f32, tag::nhwc),
        bia_md(bia_d, dt::f32, tag::a), wei_any(wei_d, dt::f32, tag::any);
    const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                               src_md, wei_any, bia_md, dst_md, {g.sh, g.sw}, {g.pad_top, g.pad_left},
                                               {g.pad_bottom, g.pad_right});
    const dnnl::convolution_forward::primitive_desc pd(desc, eng);
    conv = dnnl::convolution_forward(pd);
    src = dnnl::memory(src_md, eng, p.x.data());
    bia = dnnl::memory(bia_md, eng, p.bias.data());
    dst = dnnl::memory(dst_md, eng);
    // Keras' (kh, kw, c, 1) seen as (g, o, i, h, w) dims: oneDNN's hwigo tag.
    const dnnl::memory user_wei(dnnl::memory::desc(wei_d, dt::f32, tag::hwigo), eng, p.kernel.data());
    wei = dnnl::memory(pd.weights_desc(), eng);
    dnnl::reorder(user_wei, wei).execute(strm, const_cast<dnnl::memory&>(user_wei), wei);
    strm.wait();
    impl = pd.impl_info_str();
  }
  void run() {
    conv.execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_BIAS, bia}, {DNNL_ARG_DST, dst}});
    strm.wait();
  }
  const float* out() const { return static_cast<const float*>(dst.get_data_handle()); }
};

double max_diff(const float* a, const float* b, std::size_t n) {
  double d = 0;
  for (std::size_t i = 0; i < n; ++i) d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
  return d;
}

// Calls per sample so that a sample lasts about `target` seconds.
int calibrate(const std::function<void()>& f, double target) {
  f();
  int reps = 1;
  for (;;) {
    const auto t0 = clock_type::now();
    for (int i = 0; i < reps; ++i) f();
    const double dt = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (dt >= target || reps >= (1 << 20)) return std::max(1, static_cast<int>(reps * target / std::max(dt, 1e-9)));
    reps *= 4;
  }
}

// Per-variant sample times (seconds per call), the variants interleaved in a rotating order.
std::vector<std::vector<double>> time_interleaved(const std::vector<std::function<void()>>& fs, const options& o) {
  const double sample = o.quick ? 0.002 : 0.01;
  std::vector<int> reps;
  for (const auto& f : fs) reps.push_back(calibrate(f, sample));
  std::vector<std::vector<double>> t(fs.size());
  const int rounds = o.quick ? 3 : std::max(5, static_cast<int>(o.seconds / (sample * static_cast<double>(fs.size()))));
  for (int r = 0; r < rounds; ++r)
    for (std::size_t k = 0; k < fs.size(); ++k) {
      const std::size_t v = (k + static_cast<std::size_t>(r)) % fs.size();
      const auto t0 = clock_type::now();
      for (int i = 0; i < reps[v]; ++i) fs[v]();
      t[v].push_back(std::chrono::duration<double>(clock_type::now() - t0).count() / reps[v]);
    }
  return t;
}

template <std::size_t I>
bool run_shape(const options& o) {
  constexpr dw_shape s = shapes[I];
  problem p(s);
  tshape_variant<s.h, s.w, s.c, s.s> ts(p);
  dnnl_variant dn(p);
  std::vector<float> ref(p.out_floats());
  tk::conv::depthwise_reference(p.g, p.x.data(), p.kernel.data(), p.bias.data(), ref.data(), s.n);
  ts.run();
  dn.run();
  const double worst = std::max(max_diff(ts.y.data(), ref.data(), ref.size()), max_diff(dn.out(), ref.data(), ref.size()));
  const bool agree = worst <= 1e-4;
  if (!agree) std::printf("%s: the variants disagree with the reference (max |diff| %g)\n", s.label, worst);

  const auto t = time_interleaved({[&] { ts.run(); }, [&] { dn.run(); }}, o);
  std::vector<double> r;
  for (std::size_t k = 0; k < std::min(t[0].size(), t[1].size()); ++k) r.push_back(t[1][k] / t[0][k]);
  const double ts_best = best_of(t[0]), dn_best = best_of(t[1]);
  std::printf("%-18s %10.1f %10.1f %10.1f %10.1f  %6.2fx (%5.2fx)\n", s.label, median(t[0]) * 1e6, median(t[1]) * 1e6,
              p.flops() / ts_best * 1e-9, p.flops() / dn_best * 1e-9, median(r), dn_best / ts_best);
  if (o.quick) std::printf("  oneDNN implementation: %s\n", dn.impl.c_str());
  return agree;
}

template <std::size_t... I>
int run_shapes(const options& o, std::index_sequence<I...>) {
  int failures = 0;
  ((failures += run_shape<I>(o) ? 0 : 1), ...);
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      o.quick = true;
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
      o.seconds = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  omp_set_num_threads(1);
  std::printf("tshape SIMD: %s; one thread; 3x3 'same', bias, linear\n", tshape::simd_name());
  std::printf("%-18s %10s %10s %10s %10s  %16s\n", "shape (N,H,W,C)", "tshape us", "oneDNN us", "tshape GF", "oneDNN GF",
              "oneDNN/tshape");
  const int failures = run_shapes(o, std::make_index_sequence<std::size(shapes)>{});
  return failures == 0 ? 0 : 1;
}
