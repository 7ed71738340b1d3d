// bench/conv: tshape's Conv2D against oneDNN and against im2col + cblas_sgemm, for the seven shapes of
// the performance notes (NHWC fp32, bias, linear activation).
//
//   tshape   kernels::conv::conv2d, the call Conv2D's forward makes (repacks the kernel, pads the
//            sample, runs the direct kernel; 1x1 runs as a product over all pixels). With 2 threads, the same
//            kernel calls split over samples (or rows, for batch 1) between the caller and one worker.
//   oneDNN   convolution_forward, NHWC source and destination, weights in the layout oneDNN picks
//            (reordered once, outside the timing), TensorFlow's pads given as padding_l / padding_r
//   im2col   the patch matrix (batch*oh*ow, kh*kw*c) built per call, then cblas_sgemm against the
//            HWIO kernel and a bias pass (1x1: the product alone)
//
// One thread: the three run in one process, interleaved sample by sample (the machine is shared and
// noisy): each round takes one sample of each in a rotating order; a sample is `reps` back-to-back
// calls. Reported: median time per call; GFLOP/s and % of the measured FMA peak from the best
// sample (the peak is a best-of too: on a shared machine the best sample is the one that had the core
// to itself); the medians over rounds of the paired ratios t(peer) / t(tshape) (above 1: tshape is
// faster), and in brackets the ratio of the best samples.
// Two threads: oneDNN's OpenMP team and OpenBLAS's threads would oversubscribe the two cores in one
// process, so oneDNN is timed in a child process (this program with --dnnl-child) and its median is
// compared with the medians of the other two.
//
// Usage: conv [--quick] [--threads N] [--seconds S]
#include <tshape/kernels/conv/conv.hpp>
#include <tshape/kernels/conv/reference.hpp>
#include <tshape/kernels/gemm/blas.hpp>

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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
const conv_shape shapes[] = {
    {1, 28, 28, 1, 32, 3, true, "1,28,28,1->32 3x3 same"},       {32, 20, 20, 1, 32, 3, true, "32,20,20,1->32 3x3 same"},
    {32, 10, 10, 32, 64, 3, true, "32,10,10,32->64 3x3 same"},   {1, 56, 56, 64, 64, 3, true, "1,56,56,64->64 3x3 same"},
    {8, 32, 32, 3, 32, 3, true, "8,32,32,3->32 3x3 same"},       {1, 112, 112, 32, 64, 1, true, "1,112,112,32->64 1x1"},
    {1, 32, 32, 912, 32, 3, false, "1,32,32,912->32 3x3 valid"},
};

struct options {
  bool quick = false;
  double seconds = 2.0;
  std::vector<int> threads = {1, 2};
  int dnnl_child = 0;  // > 0: time only oneDNN with this many threads, print medians
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

// A worker that runs one job per call alongside the caller; it spins briefly between calls, then sleeps.
class worker {
 public:
  worker() : thread_([this] { loop(); }) {}
  ~worker() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
      ++generation_;
    }
    cv_.notify_one();
    thread_.join();
  }
  void run(const std::function<void()>& job, const std::function<void()>& mine) {
    job_ = &job;
    done_.store(false, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(m_);
      ++generation_;
    }
    cv_.notify_one();
    mine();
    while (!done_.load(std::memory_order_acquire)) {
    }
  }

 private:
  void loop() {
    unsigned long seen = 0;
    for (;;) {
      const auto spin_until = clock_type::now() + std::chrono::microseconds(500);
      while (generation_.load(std::memory_order_acquire) == seen && clock_type::now() < spin_until) {
      }
      if (generation_.load(std::memory_order_acquire) == seen) {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return generation_.load() != seen; });
      }
      seen = generation_.load();
      if (stop_) return;
      (*job_)();
      done_.store(true, std::memory_order_release);
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::atomic<unsigned long> generation_{0};
  std::atomic<bool> done_{true};
  bool stop_ = false;
  const std::function<void()>* job_ = nullptr;
  std::thread thread_;
};

// tshape: what Conv2D::forward runs, and its two-thread split.
struct tshape_variant {
  const problem& p;
  aligned_buffer<float> y, scratch, scratch2;
  explicit tshape_variant(const problem& pr)
      : p(pr), y(pr.out_floats()), scratch(tk::conv::scratch_floats(pr.g) + 16), scratch2(pr.g.padded_floats() + 16) {}
  void run1() { tk::conv::conv2d(p.g, p.x.data(), p.kernel.data(), p.bias.data(), y.data(), p.s.n, scratch.data(), lin); }
  void run2(worker& wk) {
    const auto& g = p.g;
    const int n = p.s.n;
    if (tk::conv::is_pointwise(g)) {  // one row of pixels, split in two
      const int pixels = n * g.h * g.w, half = pixels / 2;
      float* packed = scratch.data();
      tk::conv::pack<tk::simd::native>(g, p.kernel.data(), p.bias.data(), packed);
      auto part = [&](int q0, int q1) {
        const auto gp = tk::make_geometry(1, q1 - q0, g.c, 1, 1, 1, 1, 1, 1, false, g.oc);
        tk::conv::direct_rows<tk::simd::native>(gp, p.x.data() + static_cast<std::ptrdiff_t>(q0) * g.c, packed,
                                                y.data() + static_cast<std::ptrdiff_t>(q0) * g.oc, 0, 1, lin);
      };
      wk.run([&] { part(half, pixels); }, [&] { part(0, half); });
      return;
    }
    float* packed = scratch.data();
    tk::conv::pack<tk::simd::native>(g, p.kernel.data(), p.bias.data(), packed);
    float* pad1 = scratch.data() + tk::conv::detail::round_floats(tk::conv::packed_floats<tk::simd::native>(g));
    const auto in = static_cast<std::ptrdiff_t>(g.input_floats()), out = static_cast<std::ptrdiff_t>(g.output_floats());
    if (n >= 2) {
      auto samples = [&](int s0, int s1, float* pad) {
        for (int i = s0; i < s1; ++i) {
          const float* xs = p.x.data() + i * in;
          if (g.padded()) {
            tk::pad_sample(g, xs, pad);
            xs = pad;
          }
          tk::conv::direct_rows<tk::simd::native>(g, xs, packed, y.data() + i * out, 0, g.oh, lin);
        }
      };
      wk.run([&] { samples(n / 2, n, scratch2.data()); }, [&] { samples(0, n / 2, pad1); });
    } else {
      const float* xs = p.x.data();
      if (g.padded()) {
        tk::pad_sample(g, xs, pad1);
        xs = pad1;
      }
      wk.run([&] { tk::conv::direct_rows<tk::simd::native>(g, xs, packed, y.data(), g.oh / 2, g.oh, lin); },
             [&] { tk::conv::direct_rows<tk::simd::native>(g, xs, packed, y.data(), 0, g.oh / 2, lin); });
    }
  }
  tk::activation::linear lin;
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

int dnnl_child(const options& o) {
  omp_set_num_threads(o.dnnl_child);
  for (const auto& s : shapes) {
    problem p(s);
    dnnl_variant d(p);
    const auto t = time_interleaved({[&] { d.run(); }}, o);
    std::printf("%.9g %.9g\n", median(t[0]), best_of(t[0]));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      o.quick = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      o.threads = {std::atoi(argv[++i])};
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
      o.seconds = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--dnnl-child") && i + 1 < argc)
      o.dnnl_child = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--threads N] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  if (o.dnnl_child > 0) return dnnl_child(o);

  const auto blas = tshape::blas_info();
  std::printf("tshape SIMD: %s; im2col BLAS: %s %s%s%s\n", tshape::simd_name(), blas.library, blas.core,
              blas.generic_core ? " (generic kernels: " : "", blas.generic_core ? blas.advice : "");
  if (blas.generic_core) std::printf(")\n");
  const double peak = measure_peak();
  std::printf("measured FMA peak of one core: %.0f GFLOP/s\n", peak);

  int failures = 0;
  for (int threads : o.threads) {
    tshape::set_blas_threads(threads);
    omp_set_num_threads(threads);
    std::vector<timing> child;
    if (threads > 1) {  // oneDNN in its own process
      std::string cmd = std::string(argv[0]) + " --dnnl-child " + std::to_string(threads) + " --seconds " +
                        std::to_string(o.seconds) + (o.quick ? " --quick" : "");
      if (FILE* f = popen(cmd.c_str(), "r")) {
        double m, b;
        while (std::fscanf(f, "%lf %lf", &m, &b) == 2) child.push_back({m, b});
        pclose(f);
      }
    }
    print_header(threads, peak);
    std::unique_ptr<worker> wk;
    if (threads > 1) wk = std::make_unique<worker>();
    std::size_t k = 0;
    for (const auto& s : shapes) {
      problem p(s);
      tshape_variant ts(p);
      im2col_variant im(p);
      std::unique_ptr<dnnl_variant> dn;
      if (threads == 1) dn = std::make_unique<dnnl_variant>(p);
      // The variants must agree before they are timed.
      ts.run1();
      im.run();
      std::vector<float> ref(p.out_floats());
      tk::conv::reference(p.g, p.x.data(), p.kernel.data(), p.bias.data(), ref.data(), s.n);
      const double tol = 1e-4 * std::sqrt(static_cast<double>(s.k * s.k * s.c));
      double worst = std::max(max_diff(ts.y.data(), ref.data(), ref.size()), max_diff(im.y.data(), ref.data(), ref.size()));
      if (dn) {
        dn->run();
        worst = std::max(worst, max_diff(dn->out(), ref.data(), ref.size()));
      }
      if (threads > 1) {
        std::fill(ts.y.data(), ts.y.data() + ts.y.n, 0.0f);
        ts.run2(*wk);
        worst = std::max(worst, max_diff(ts.y.data(), ref.data(), ref.size()));
      }
      if (worst > tol) {
        std::printf("%s: the variants disagree with the reference (max |diff| %g)\n", s.label, worst);
        ++failures;
      }
      timing t_ts, t_dn, t_im;
      double r_dn, r_im;
      if (threads == 1) {
        const auto t = time_interleaved({[&] { ts.run1(); }, [&] { dn->run(); }, [&] { im.run(); }}, o);
        t_ts = summarize(t[0]), t_dn = summarize(t[1]), t_im = summarize(t[2]);
        r_dn = median(ratios(t[1], t[0])), r_im = median(ratios(t[2], t[0]));
      } else {  // oneDNN ran in its own process: its median against tshape's
        const auto t = time_interleaved({[&] { ts.run2(*wk); }, [&] { im.run(); }}, o);
        t_ts = summarize(t[0]), t_im = summarize(t[1]);
        t_dn = k < child.size() ? child[k] : timing{0, 0};
        r_dn = t_dn.median / t_ts.median, r_im = median(ratios(t[1], t[0]));
      }
      print_row(p, t_ts, t_dn, t_im, r_dn, r_im, peak * threads);
      if (dn && o.quick) std::printf("  oneDNN implementation: %s\n", dn->impl.c_str());
      ++k;
    }
  }
  return failures == 0 ? 0 : 1;
}
