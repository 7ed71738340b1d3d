// bench/conv: tshape's Conv2D against oneDNN and against im2col + cblas_sgemm, for the seven shapes of
// the performance notes (NHWC fp32, bias, linear activation).
//
//   tshape   net->forward(x, y) on Sequential<Input<h, w, c>, Conv2D<oc, Kernel<k>, padding>>, the call a
//            user makes (it repacks the kernel, pads each sample, runs the direct kernel; 1x1 runs as a
//            product over all pixels, see kernels/conv/conv.hpp). With N threads: the same call with
//            tshape::set_threads(N), the library's own pool splitting the work (samples, and a sample's
//            output rows when there are fewer samples than threads); a large 1x1 runs as Dense's product,
//            which goes to cblas_sgemm on BLAS' threads.
//   oneDNN   convolution_forward, NHWC source and destination, weights in the layout oneDNN picks
//            (reordered once, outside the timing), TensorFlow's pads given as padding_l / padding_r
//   im2col   the patch matrix (batch*oh*ow, kh*kw*c) built per call, then cblas_sgemm against the
//            HWIO kernel and a bias pass (1x1: the product alone)
//   Dense    for the 1x1 shape only: the same product as Sequential<Input<h, w, c>, Dense<oc>>, i.e.
//            tshape's GEMM (kernels/gemm: its inline kernel, or cblas_sgemm where gemm::uses_blas says so)
//
// One thread: the variants run in one process, interleaved sample by sample (the machine is shared and
// noisy): each round takes one sample of each in a rotating order; a sample is `reps` back-to-back
// calls. Reported: median time per call; GFLOP/s and % of the measured FMA peak from the best
// sample (the peak is a best-of too: on a shared machine the best sample is the one that had the core
// to itself); the medians over rounds of the paired ratios t(peer) / t(tshape) (above 1: tshape is
// faster), and in brackets the ratio of the best samples.
// Two threads: OpenBLAS' threads and oneDNN's OpenMP team keep spinning for a while after each call, and
// in one process would take the cores from whichever variant runs next; so each variant is timed in a
// process of its own (this program with --child NAME), one after the other, and the medians are compared.
//
// Usage: conv [--quick] [--threads N] [--seconds S]
#include <tshape/kernels/conv/reference.hpp>
#include <tshape/tshape.hpp>

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
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

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace {

namespace tk = tshape::kernels;
using clock_type = std::chrono::steady_clock;

struct conv_shape {
  int n, h, w, c, oc, k;
  bool same;
  const char* label;
};
// The seven shapes of ../shared/notes/performance.md.
constexpr conv_shape shapes[] = {
    {1, 28, 28, 1, 32, 3, true, "1,28,28,1->32 3x3 same"},       {32, 20, 20, 1, 32, 3, true, "32,20,20,1->32 3x3 same"},
    {32, 10, 10, 32, 64, 3, true, "32,10,10,32->64 3x3 same"},   {1, 56, 56, 64, 64, 3, true, "1,56,56,64->64 3x3 same"},
    {8, 32, 32, 3, 32, 3, true, "8,32,32,3->32 3x3 same"},       {1, 112, 112, 32, 64, 1, true, "1,112,112,32->64 1x1"},
    {1, 32, 32, 912, 32, 3, false, "1,32,32,912->32 3x3 valid"},
};

struct options {
  bool quick = false;
  double seconds = 2.0;
  std::vector<int> threads = {1, 2};
};

inline void clobber(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

double best_of(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

template <class T>
struct aligned_buffer {
  std::unique_ptr<T[], void (*)(T*)> p{nullptr, [](T* q) { std::free(q); }};
  std::size_t n = 0;
  explicit aligned_buffer(std::size_t count) : n(count) {
    p.reset(static_cast<T*>(std::aligned_alloc(64, (std::max<std::size_t>(count, 1) * sizeof(T) + 63) / 64 * 64)));
    std::fill(p.get(), p.get() + count, T{});
  }
  T* data() const { return p.get(); }
};

/// One core's fp32 FMA peak: independent accumulators at the widest SIMD width, the best of many short
/// trials (on a shared machine, the best trial is the one that had the core to itself).
double measure_peak() {
#if defined(__AVX512F__)
  // Twelve named accumulators (an array would be kept in memory and measure the loads instead).
#define TSHAPE_BENCH_ACC(i) __m512 a##i = _mm512_set1_ps(0.001f * i);
#define TSHAPE_BENCH_FMA(i) a##i = _mm512_fmadd_ps(a##i, b, c);
  TSHAPE_BENCH_ACC(0) TSHAPE_BENCH_ACC(1) TSHAPE_BENCH_ACC(2) TSHAPE_BENCH_ACC(3) TSHAPE_BENCH_ACC(4)
  TSHAPE_BENCH_ACC(5) TSHAPE_BENCH_ACC(6) TSHAPE_BENCH_ACC(7) TSHAPE_BENCH_ACC(8) TSHAPE_BENCH_ACC(9)
  TSHAPE_BENCH_ACC(10) TSHAPE_BENCH_ACC(11)
  const __m512 b = _mm512_set1_ps(0.9999f), c = _mm512_set1_ps(1e-4f);
  double best = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const long iters = 20'000;
    const auto t0 = clock_type::now();
    for (long k = 0; k < iters; ++k) {
      TSHAPE_BENCH_FMA(0) TSHAPE_BENCH_FMA(1) TSHAPE_BENCH_FMA(2) TSHAPE_BENCH_FMA(3) TSHAPE_BENCH_FMA(4)
      TSHAPE_BENCH_FMA(5) TSHAPE_BENCH_FMA(6) TSHAPE_BENCH_FMA(7) TSHAPE_BENCH_FMA(8) TSHAPE_BENCH_FMA(9)
      TSHAPE_BENCH_FMA(10) TSHAPE_BENCH_FMA(11)
      asm volatile("" : : "v"(a0));
    }
    const double dt = std::chrono::duration<double>(clock_type::now() - t0).count();
    best = std::max(best, iters * 12 * 32.0 / dt * 1e-9);
  }
  alignas(64) float lanes[16];
  for (const __m512& v : {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11}) {
    _mm512_store_ps(lanes, v);
    clobber(lanes);
  }
#undef TSHAPE_BENCH_ACC
#undef TSHAPE_BENCH_FMA
  return best;
#else
  return 0;
#endif
}

// ---------------------------------------------------------------------------------------------------
// The problem: data, kernel, bias, and each variant's prepared state.
struct problem {
  conv_shape s;
  tk::window_geometry g;
  aligned_buffer<float> x, kernel, bias;
  problem(const conv_shape& shape)
      : s(shape),
        g(tk::make_geometry(shape.h, shape.w, shape.c, shape.k, shape.k, 1, 1, 1, 1, shape.same, shape.oc)),
        x(static_cast<std::size_t>(shape.n) * g.input_floats()),
        kernel(static_cast<std::size_t>(shape.k) * shape.k * shape.c * shape.oc),
        bias(static_cast<std::size_t>(shape.oc)) {
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
  double flops() const { return 2.0 * static_cast<double>(g.madds()) * s.n; }
};

// tshape: the call a user makes, net->forward(x, y) on Sequential<Input<h, w, c>, Conv2D<oc, Kernel<k>,
// padding>> over the whole batch, on the shared pool's threads (set_threads).
template <int H, int W, int C, int OC, int K, bool Same>
struct tshape_variant {
  using Net = tshape::Sequential<tshape::Input<H, W, C>,
                                 tshape::Conv2D<OC, tshape::Kernel<K>, std::conditional_t<Same, tshape::Padding::same,
                                                                                          tshape::Padding::valid>>>;
  using in_view = tshape::TensorView<const float, tshape::prepend_t<tshape::dyn, typename Net::input_shape>>;
  using out_view = tshape::TensorView<float, tshape::prepend_t<tshape::dyn, typename Net::output_shape>>;
  const problem& p;
  tshape::model_ptr<Net> net = tshape::make_model<Net>();
  aligned_buffer<float> y;
  explicit tshape_variant(const problem& pr) : p(pr), y(pr.out_floats()) {
    auto& conv = tshape::layer<0>(net);
    std::copy(p.kernel.data(), p.kernel.data() + p.kernel.n, conv.kernel().data());
    std::copy(p.bias.data(), p.bias.data() + p.bias.n, conv.bias().data());
  }
  // Samples [s0, s1) through the model.
  void samples(int s0, int s1) const {
    const auto in = static_cast<std::ptrdiff_t>(p.g.input_floats()), out = static_cast<std::ptrdiff_t>(p.g.output_floats());
    const Net& model = *net;
    model.forward(in_view(p.x.data() + s0 * in, {s1 - s0}), out_view(y.data() + s0 * out, {s1 - s0}));
  }
  void run1() const { samples(0, p.s.n); }
};

// A 1x1 convolution with stride 1 and no padding is Dense on the last axis: the same product through
// Sequential<Input<h, w, c>, Dense<oc>>, i.e. kernels/gemm (the inline kernel, or cblas_sgemm where
// gemm::uses_blas says so). Keras' 1x1 kernel (1, 1, c, oc) is Dense's (c, oc) as it is.
template <int H, int W, int C, int OC>
struct dense_variant {
  using Net = tshape::Sequential<tshape::Input<H, W, C>, tshape::Dense<OC>>;
  using in_view = tshape::TensorView<const float, tshape::prepend_t<tshape::dyn, typename Net::input_shape>>;
  using out_view = tshape::TensorView<float, tshape::prepend_t<tshape::dyn, typename Net::output_shape>>;
  const problem& p;
  tshape::model_ptr<Net> net = tshape::make_model<Net>();
  aligned_buffer<float> y;
  explicit dense_variant(const problem& pr) : p(pr), y(pr.out_floats()) {
    auto& dense = tshape::layer<0>(net);
    std::copy(p.kernel.data(), p.kernel.data() + p.kernel.n, dense.kernel().data());
    std::copy(p.bias.data(), p.bias.data() + p.bias.n, dense.bias().data());
  }
  void run() const {
    const Net& model = *net;
    model.forward(in_view(p.x.data(), {p.s.n}), out_view(y.data(), {p.s.n}));
  }
  /// Which kernel gemm::dense picks for this product with `threads` BLAS threads.
  const char* path(int threads) const {
    return tshape::kernels::gemm::uses_blas(1LL * p.s.n * H * W, OC, C, threads) ? "cblas_sgemm" : "inline kernel";
  }
};

// oneDNN's convolution_forward on NHWC data.
struct dnnl_variant {
  const problem& p;
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::convolution_forward conv;
  dnnl::memory src, wei, bia, dst;
  explicit dnnl_variant(const problem& pr) : p(pr) {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    const auto& g = p.g;
    const dnnl::memory::dims src_d{p.s.n, g.c, g.h, g.w}, wei_d{g.oc, g.c, g.kh, g.kw}, bia_d{g.oc},
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
    // HWIO (Keras) seen as OIHW dims: strides of the hwio tag.
    const dnnl::memory user_wei(dnnl::memory::desc(wei_d, dt::f32, tag::hwio), eng, p.kernel.data());
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
  std::string impl;
};

// im2col + cblas_sgemm.
struct im2col_variant {
  const problem& p;
  aligned_buffer<float> y, cols;
  explicit im2col_variant(const problem& pr)
      : p(pr),
        y(pr.out_floats()),
        cols(tk::conv::is_pointwise(pr.g) ? 0
                                          : static_cast<std::size_t>(pr.s.n) * pr.g.oh * pr.g.ow * pr.g.kh * pr.g.kw * pr.g.c) {}
  void run() {
    const auto& g = p.g;
    const int rows = p.s.n * g.oh * g.ow, depth = g.kh * g.kw * g.c;
    const float* a = p.x.data();
    if (!tk::conv::is_pointwise(g)) {
      float* col = cols.data();
      for (int n = 0; n < p.s.n; ++n)
        for (int i = 0; i < g.oh; ++i)
          for (int j = 0; j < g.ow; ++j)
            for (int r = 0; r < g.kh; ++r) {
              const int ih = i * g.sh + r - g.pad_top;
              for (int q = 0; q < g.kw; ++q, col += g.c) {
                const int iw = j * g.sw + q - g.pad_left;
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w)
                  std::memset(col, 0, sizeof(float) * static_cast<std::size_t>(g.c));
                else
                  std::memcpy(col, p.x.data() + ((static_cast<std::ptrdiff_t>(n) * g.h + ih) * g.w + iw) * g.c,
                              sizeof(float) * static_cast<std::size_t>(g.c));
              }
            }
      a = cols.data();
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, g.oc, depth, 1.0f, a, depth, p.kernel.data(), g.oc, 0.0f,
                y.data(), g.oc);
    float* out = y.data();
    for (int r = 0; r < rows; ++r, out += g.oc)
      for (int o = 0; o < g.oc; ++o) out[o] += p.bias.data()[o];
  }
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

// Interleaved timing of several variants: per-variant sample times (seconds per call).
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

std::vector<double> ratios(const std::vector<double>& peer, const std::vector<double>& mine) {
  std::vector<double> r;
  for (std::size_t i = 0; i < std::min(peer.size(), mine.size()); ++i) r.push_back(peer[i] / mine[i]);
  return r;
}

void print_header(int threads, double peak) {
  std::printf("\n%d thread%s (peak %.0f GFLOP/s)\n", threads, threads > 1 ? "s" : "", peak * threads);
  std::printf("%-26s %10s %10s %10s  %13s %13s %13s  %15s %15s\n", "shape (N,H,W,Cin->Cout)", "tshape us", "oneDNN us",
              "im2col us", "tshape GF/pk", "oneDNN GF/pk", "im2col GF/pk", "oneDNN/tshape", "im2col/tshape");
}

struct timing {
  double median, best;
};
timing summarize(const std::vector<double>& t) { return {median(t), best_of(t)}; }

void print_row(const problem& p, timing ts, timing dn, timing im, double r_dn, double r_im, double peak) {
  auto gf = [&](double t) { return t > 0 ? p.flops() / t * 1e-9 : 0.0; };
  char a[32], b[32], c[32], d[32], e[32];
  std::snprintf(a, sizeof a, "%5.1f / %3.0f%%", gf(ts.best), 100 * gf(ts.best) / peak);
  std::snprintf(b, sizeof b, "%5.1f / %3.0f%%", gf(dn.best), 100 * gf(dn.best) / peak);
  std::snprintf(c, sizeof c, "%5.1f / %3.0f%%", gf(im.best), 100 * gf(im.best) / peak);
  std::snprintf(d, sizeof d, "%5.2fx (%5.2fx)", r_dn, dn.best / ts.best);
  std::snprintf(e, sizeof e, "%5.2fx (%5.2fx)", r_im, im.best / ts.best);
  std::printf("%-26s %10.1f %10.1f %10.1f  %13s %13s %13s  %15s %15s\n", p.s.label, ts.median * 1e6, dn.median * 1e6,
              im.median * 1e6, a, b, c, d, e);
}

// The reference output of a problem, and the tolerance the variants must meet against it.
std::vector<float> reference_output(const problem& p) {
  std::vector<float> ref(p.out_floats());
  tk::conv::reference(p.g, p.x.data(), p.kernel.data(), p.bias.data(), ref.data(), p.s.n);
  return ref;
}
double tolerance(const conv_shape& s) { return 1e-4 * std::sqrt(static_cast<double>(s.k * s.k * s.c)); }

struct none {};
template <std::size_t I>
using dense_for = std::conditional_t<shapes[I].k == 1, dense_variant<shapes[I].h, shapes[I].w, shapes[I].c, shapes[I].oc>, none>;
template <std::size_t I>
using tshape_for = tshape_variant<shapes[I].h, shapes[I].w, shapes[I].c, shapes[I].oc, shapes[I].k, shapes[I].same>;

// One thread: every variant of shape I in this process, interleaved; checks them against the reference
// first. Returns false when they disagree.
template <std::size_t I>
bool run_shape(const options& o, double peak) {
  constexpr conv_shape s = shapes[I];
  constexpr bool pointwise = s.k == 1;
  problem p(s);
  tshape_for<I> ts(p);
  im2col_variant im(p);
  dnnl_variant dn(p);
  std::unique_ptr<dense_for<I>> de;
  if constexpr (pointwise) de = std::make_unique<dense_for<I>>(p);

  const auto ref = reference_output(p);
  ts.run1();
  im.run();
  dn.run();
  double worst = std::max({max_diff(ts.y.data(), ref.data(), ref.size()), max_diff(im.y.data(), ref.data(), ref.size()),
                           max_diff(dn.out(), ref.data(), ref.size())});
  if constexpr (pointwise) {
    de->run();
    worst = std::max(worst, max_diff(de->y.data(), ref.data(), ref.size()));
  }
  const bool agree = worst <= tolerance(s);
  if (!agree) std::printf("%s: the variants disagree with the reference (max |diff| %g)\n", s.label, worst);

  std::vector<std::function<void()>> fs = {[&] { ts.run1(); }, [&] { dn.run(); }, [&] { im.run(); }};
  if constexpr (pointwise) fs.push_back([&] { de->run(); });
  const auto t = time_interleaved(fs, o);
  print_row(p, summarize(t[0]), summarize(t[1]), summarize(t[2]), median(ratios(t[1], t[0])),
            median(ratios(t[2], t[0])), peak);
  if constexpr (pointwise) {
    const timing t_de = summarize(t[3]);
    const double gf = p.flops() / t_de.best * 1e-9;
    std::printf("  the same 1x1 as Dense<%d> (kernels/gemm: %s): %.1f us, %.1f GF/s (%.0f%%); t(Dense) / t(Conv2D) "
                "%.2fx (%.2fx)\n",
                s.oc, de->path(1), t_de.median * 1e6, gf, 100 * gf / peak, median(ratios(t[3], t[0])),
                t_de.best / summarize(t[0]).best);
  }
  if (o.quick) std::printf("  oneDNN implementation: %s\n", dn.impl.c_str());
  return agree;
}

template <std::size_t... I>
int run_shapes(const options& o, double peak, std::index_sequence<I...>) {
  int failures = 0;
  ((failures += run_shape<I>(o, peak) ? 0 : 1), ...);
  return failures;
}

// Several threads: each variant in a process of its own (this program with --child NAME), since
// OpenBLAS' threads keep spinning for a while after a call, and oneDNN's OpenMP team too: in one
// process they would take the cores from the next variant. A child prints, per shape, the median
// and best time per call and whether its output matched the reference ("- -" when it has none).
template <std::size_t I>
void child_shape(const std::string& name, const options& o) {
  constexpr conv_shape s = shapes[I];
  problem p(s);
  const auto ref = reference_output(p);
  std::vector<double> t;
  bool ok = true;
  auto check = [&](const float* y) { ok = max_diff(y, ref.data(), ref.size()) <= tolerance(s); };
  if (name == "tshape") {
    tshape_for<I> v(p);
    v.run1();
    check(v.y.data());
    t = time_interleaved({[&] { v.run1(); }}, o)[0];
  } else if (name == "onednn") {
    dnnl_variant v(p);
    v.run();
    check(v.out());
    t = time_interleaved({[&] { v.run(); }}, o)[0];
  } else if (name == "im2col") {
    im2col_variant v(p);
    v.run();
    check(v.y.data());
    t = time_interleaved({[&] { v.run(); }}, o)[0];
  } else if constexpr (s.k == 1) {
    dense_for<I> v(p);
    v.run();
    check(v.y.data());
    t = time_interleaved({[&] { v.run(); }}, o)[0];
  }
  if (t.empty())
    std::printf("- - 1\n");
  else
    std::printf("%.9g %.9g %d\n", median(t), best_of(t), ok ? 1 : 0);
  std::fflush(stdout);
}

template <std::size_t... I>
int child(const std::string& name, const options& o, int threads, std::index_sequence<I...>) {
  // tshape's variants run as a program does by default: its pool on `threads` threads, BLAS on one
  // thread per block of rows; the im2col peer gets OpenBLAS' own threads.
  tshape::set_blas_threads(name == "tshape" || name == "dense" ? 1 : threads);
  omp_set_num_threads(threads);
  tshape::set_threads(threads);
  (child_shape<I>(name, o), ...);
  return 0;
}

struct child_result {
  timing t{0, 0};
  bool ok = true, present = false;
};

std::vector<child_result> run_child(const char* self, const std::string& name, int threads, const options& o) {
  const std::string cmd = std::string(self) + " --child " + name + " --threads " + std::to_string(threads) +
                          " --seconds " + std::to_string(o.seconds) + (o.quick ? " --quick" : "");
  std::vector<child_result> r;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char a[64], b[64];
    int ok = 0;
    while (std::fscanf(f, "%63s %63s %d", a, b, &ok) == 3) {
      child_result c;
      if (std::strcmp(a, "-") != 0) c = {{std::atof(a), std::atof(b)}, ok != 0, true};
      r.push_back(c);
    }
    pclose(f);
  }
  return r;
}

int run_threaded(const char* self, int threads, const options& o, double peak) {
  const auto ts = run_child(self, "tshape", threads, o), dn = run_child(self, "onednn", threads, o),
             im = run_child(self, "im2col", threads, o), de = run_child(self, "dense", threads, o);
  print_header(threads, peak);
  int failures = 0;
  for (std::size_t k = 0; k < std::size(shapes); ++k) {
    if (k >= ts.size() || k >= dn.size() || k >= im.size() || k >= de.size()) {
      std::printf("%s: a child process did not report\n", shapes[k].label);
      ++failures;
      continue;
    }
    const problem p(shapes[k]);
    if (!ts[k].ok || !dn[k].ok || !im[k].ok || !de[k].ok) {
      std::printf("%s: the variants disagree with the reference\n", shapes[k].label);
      ++failures;
    }
    print_row(p, ts[k].t, dn[k].t, im[k].t, dn[k].t.median / ts[k].t.median, im[k].t.median / ts[k].t.median,
              peak * threads);
    // A 1x1 convolution is Dense's product: the inline kernel or one-thread sgemm calls, in blocks of
    // rows on tshape's pool (the children leave BLAS on one thread, tshape's default).
    const bool blas = shapes[k].k == 1 && tshape::kernels::gemm::uses_blas(1LL * shapes[k].n * shapes[k].h * shapes[k].w,
                                                                           shapes[k].oc, shapes[k].c, 1);
    if (shapes[k].n < 2 && blas) std::printf("  (batch 1: the product ran in cblas_sgemm, split over %d threads)\n", threads);
    if (de[k].present) {
      const double gf = p.flops() / de[k].t.best * 1e-9;
      std::printf("  the same 1x1 as Dense<%d> (kernels/gemm: %s): %.1f us, %.1f GF/s (%.0f%%); t(Dense) / t(Conv2D) "
                  "%.2fx (%.2fx)\n",
                  shapes[k].oc, blas ? "cblas_sgemm" : "inline kernel", de[k].t.median * 1e6, gf,
                  100 * gf / (peak * threads), de[k].t.median / ts[k].t.median, de[k].t.best / ts[k].t.best);
    }
  }
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  std::string child_name;
  bool threads_given = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      o.quick = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      o.threads = {std::atoi(argv[++i])}, threads_given = true;
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
      o.seconds = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--child") && i + 1 < argc)
      child_name = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--threads N] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  const auto all = std::make_index_sequence<std::size(shapes)>{};
  if (!child_name.empty()) return child(child_name, o, threads_given ? o.threads[0] : 2, all);

  const auto blas = tshape::blas_info();
  std::printf("tshape SIMD: %s; BLAS (im2col, and Dense's large products): %s %s%s%s\n", tshape::simd_name(),
              blas.library, blas.core, blas.generic_core ? " (generic kernels: " : "",
              blas.generic_core ? blas.advice : "");
  if (blas.generic_core) std::printf(")\n");
  const double peak = measure_peak();
  std::printf("measured FMA peak of one core: %.0f GFLOP/s\n", peak);

  int failures = 0;
  for (int threads : o.threads) {
    if (threads > 1) {
      failures += run_threaded(argv[0], threads, o, peak);
      continue;
    }
    tshape::set_blas_threads(1);
    omp_set_num_threads(1);
    tshape::set_threads(1);
    print_header(1, peak);
    failures += run_shapes(o, peak, all);
  }
  return failures == 0 ? 0 : 1;
}
