// bench/dense: tshape's Dense against raw OpenBLAS calls and Eigen 3.4 fixed-size matrices.
//
// Every variant computes y = x . W (+ b) for the same data, in the same process, interleaved sample
// by sample (the machine is shared and noisy): one sample is `reps` back-to-back calls of a variant,
// and each round takes one sample of every variant in a rotating order. Reported: the median time
// per call of each variant, its GFLOP/s, and the median over rounds of the paired ratios
// t(other) / t(tshape), so a ratio above 1 means tshape is faster.
//
//   tshape    the model call a user makes, net->forward(x, y) on Sequential<Input<in>, Dense<out>>
//             (fully static shapes; bias, linear activation: Keras' defaults)
//   Eigen     y.noalias() = x * W; y.rowwise() += b; on Eigen::Matrix<float, batch, in/out, RowMajor>
//             (fixed-size, on the heap; Eigen runs single-threaded: the bench is built without OpenMP)
//   BLAS      the bare product, no bias: cblas_sgemm, and for batch 1 also cblas_sgemv (the faster
//             of the two per round counts)
//
// Usage: dense [--quick] [--threads N] [--seconds S] [--shape batch,in,out]
//   --quick    a few rounds of a few calls each: a smoke test that also checks the variants agree
//   --threads  run only with N threads: tshape's pool (set_threads), the raw BLAS calls' OpenBLAS threads
//              (default: 1, then 2)
//   --seconds  time budget per shape and thread count (default 1.5)
//   --shape    run only this one of the shapes below, e.g. --shape 256,1024,1024
//
// Figures and how they were taken: bench/README.md.
#include <tshape/tshape.hpp>

#include <cblas.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
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
  std::string shape;  // "batch,in,out": only this one
  double seconds = 1.5;
  std::vector<int> threads = {1, 2};
};

// Keeps the compiler from dropping or merging calls whose results it could see are unused.
inline void clobber(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

using clock_type = std::chrono::steady_clock;

// Time per call in ns of `reps` calls of f.
template <class F>
double time_calls(F& f, int reps) {
  const auto t0 = clock_type::now();
  for (int r = 0; r < reps; ++r) f();
  const auto t1 = clock_type::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / reps;
}

struct variant {
  const char* name;
  std::function<double(int)> sample;  // ns per call over the given number of calls
};
template <class F>
variant make_variant(const char* name, F f) {
  return {name, [f](int reps) mutable { return time_calls(f, reps); }};
}

struct row {
  int threads, batch, in, out;
  bool tshape_blas;
  double t_tshape, t_eigen, t_blas;
  const char* blas_form;
  double vs_eigen, vs_blas;
};

std::string format_time(double ns) {
  char buf[32];
  if (ns < 1e3)
    std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  else if (ns < 1e6)
    std::snprintf(buf, sizeof buf, "%.2f us", ns / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  return buf;
}

float rand_float(std::uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return static_cast<float>((s >> 40) * 0x1.0p-24) * 2.0f - 1.0f;
}

// OpenBLAS on `threads` threads for one peer call, then back to one for tshape's calls. Only for
// products of at least 2^24 multiply-adds: switching the count costs more than a smaller product
// (up to ~100 us), so below that the raw BLAS calls run on one thread.
struct blas_threads_for_peer {
  int threads;
  blas_threads_for_peer(int n, long long madds) : threads(madds >= (1LL << 24) ? n : 1) {
    if (threads > 1 && openblas_set_num_threads) openblas_set_num_threads(threads);
  }
  ~blas_threads_for_peer() {
    if (threads > 1 && openblas_set_num_threads) openblas_set_num_threads(1);
  }
};

template <int B, int I, int O>
row run_case(const options& opt, int threads, bool& agree) {
  using namespace tshape;
  using Net = Sequential<Input<I>, Dense<O>>;

  // The same data for every variant: random inputs, Keras' initial kernel, a random bias.
  auto net = make_model<Net>(42);
  auto x = std::make_unique<Tensor<float, Shape<B, I>>>();
  auto y = std::make_unique<Tensor<float, Shape<B, O>>>();
  std::uint64_t seed = 0x9E3779B97F4A7C15ULL ^ static_cast<std::uint64_t>(B * 1000003 + I * 1009 + O);
  for (int i = 0; i < B * I; ++i) x->data()[i] = rand_float(seed);
  float* bias = layer<0>(net).bias().data();
  for (int j = 0; j < O; ++j) bias[j] = rand_float(seed);
  const float* kernel = layer<0>(net).kernel().data();

  using EX = Eigen::Matrix<float, B, I, Eigen::RowMajor>;
  using EW = Eigen::Matrix<float, I, O, Eigen::RowMajor>;
  using EB = Eigen::Matrix<float, 1, O, Eigen::RowMajor>;
  using EY = Eigen::Matrix<float, B, O, Eigen::RowMajor>;
  auto ex = std::make_unique<EX>();
  auto ew = std::make_unique<EW>();
  auto eb = std::make_unique<EB>();
  auto ey = std::make_unique<EY>();
  std::memcpy(ex->data(), x->data(), sizeof(float) * B * I);
  std::memcpy(ew->data(), kernel, sizeof(float) * I * O);
  std::memcpy(eb->data(), bias, sizeof(float) * O);

  std::vector<float> bw(kernel, kernel + I * O), bx(x->data(), x->data() + B * I), by(static_cast<std::size_t>(B) * O);

  const auto xv = x->view();
  const auto yv = y->view();
  const Net& model = *net;
  std::vector<variant> vs;
  vs.push_back(make_variant("tshape", [&model, xv, yv] {
    model.forward(xv, yv);
    clobber(yv.data());
  }));
  vs.push_back(make_variant("Eigen", [&] {
    ey->noalias() = *ex * *ew;
    ey->rowwise() += *eb;
    clobber(ey->data());
  }));
  vs.push_back(make_variant("sgemm", [&] {
    blas_threads_for_peer peer(threads, 1LL * B * I * O);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, O, I, 1.0f, bx.data(), I, bw.data(), O, 0.0f,
                by.data(), O);
    clobber(by.data());
  }));
  if constexpr (B == 1)
    vs.push_back(make_variant("sgemv", [&] {
      blas_threads_for_peer peer(threads, 1LL * B * I * O);
      cblas_sgemv(CblasRowMajor, CblasTrans, I, O, 1.0f, bw.data(), O, bx.data(), 1, 0.0f, by.data(), 1);
      clobber(by.data());
    }));

  // Calibrate: calls per sample so that a sample takes ~50 us (or one call of the slowest variant):
  // short samples are seldom cut by the scheduler on a shared machine, and the medians drop those
  // that are. Quick: one call of the slowest variant.
  double slowest = 0;
  for (auto& v : vs) {
    v.sample(1);
    slowest = std::max(slowest, v.sample(opt.quick ? 1 : 3));
  }
  const double sample_ns = opt.quick ? slowest : std::max(50e3, slowest);
  std::vector<double> per_call(vs.size());
  for (std::size_t k = 0; k < vs.size(); ++k)
    per_call[k] = std::max(vs[k].sample(std::max(1, static_cast<int>(sample_ns / slowest))), 1.0);
  double round_ns = 0;
  for (std::size_t k = 0; k < vs.size(); ++k)
    round_ns += per_call[k] * std::max(1, static_cast<int>(sample_ns / per_call[k]));
  const int rounds = opt.quick ? 3 : std::clamp(static_cast<int>(opt.seconds * 1e9 / round_ns), 11, 4001);

  // Each variant gets its own call count (similar time per sample); the order rotates every round.
  std::vector<int> calls(vs.size());
  for (std::size_t k = 0; k < vs.size(); ++k)
    calls[k] = opt.quick ? 2 : std::max(1, static_cast<int>(sample_ns / per_call[k]));
  std::vector<std::vector<double>> t(vs.size());
  for (int r = 0; r < rounds; ++r)
    for (std::size_t j = 0; j < vs.size(); ++j) {
      const std::size_t k = (j + static_cast<std::size_t>(r)) % vs.size();
      t[k].push_back(vs[k].sample(calls[k]));
    }

  // BLAS per round: the faster call form (batch 1 has two).
  std::vector<double> blas(rounds), vs_eigen(rounds), vs_blas(rounds);
  int sgemv_wins = 0;
  for (int r = 0; r < rounds; ++r) {
    blas[r] = t[2][r];
    if (vs.size() > 3 && t[3][r] < blas[r]) {
      blas[r] = t[3][r];
      ++sgemv_wins;
    }
    vs_eigen[r] = t[1][r] / t[0][r];
    vs_blas[r] = blas[r] / t[0][r];
  }

  // The variants must agree: tshape against Eigen, and against BLAS plus the bias.
  double worst = 0;
  for (int i = 0; i < B; ++i)
    for (int j = 0; j < O; ++j) {
      const float ref = (*ey)(i, j);
      const float tol = 1e-4f * std::sqrt(static_cast<float>(I)) * (1.0f + std::fabs(ref));
      const float d1 = std::fabs((*y)(i, j) - ref);
      const float d2 = std::fabs(by[static_cast<std::size_t>(i) * O + j] + bias[j] - ref);
      worst = std::max(worst, static_cast<double>(std::max(d1, d2) / tol));
    }
  if (!(worst <= 1.0)) {
    std::printf("MISMATCH for (%d, %d, %d): the variants disagree (%.3g x tolerance)\n", B, I, O, worst);
    agree = false;
  }

  return {threads,
          B,
          I,
          O,
          kernels::gemm::uses_blas(B, O, I, tshape::blas_threads()),
          median(t[0]),
          median(t[1]),
          median(blas),
          B == 1 ? (2 * sgemv_wins > rounds ? "sgemv" : "sgemm") : "sgemm",
          median(vs_eigen),
          median(vs_blas)};
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      opt.quick = true;
    } else if (a == "--threads" && i + 1 < argc) {
      opt.threads = {std::atoi(argv[++i])};
    } else if (a == "--seconds" && i + 1 < argc) {
      opt.seconds = std::atof(argv[++i]);
    } else if (a == "--shape" && i + 1 < argc) {
      opt.shape = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--threads N] [--seconds S] [--shape batch,in,out]\n", argv[0]);
      return 2;
    }
  }

  const auto info = tshape::blas_info();
  std::printf("tshape Dense bench: CPU %s, %s\n", cpu_model().c_str(), __VERSION__);
  std::printf("tshape SIMD path: %s; BLAS: %s, core %s%s\n", tshape::simd_name(), info.library, info.core,
              info.generic_core ? " (generic fallback!)" : "");
  if (info.generic_core) std::printf("note: %s\n", info.advice);
  std::printf("Eigen %d.%d.%d, %s, single-threaded (its default without OpenMP)\n", EIGEN_WORLD_VERSION,
              EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION, Eigen::SimdInstructionSetsInUse());
  std::printf("ratios are medians of paired t(other)/t(tshape): above 1, tshape is faster; BLAS is the bare "
              "product (no bias)\n");
  std::printf("on N threads: tshape's pool on N (its BLAS calls one-threaded, split by rows); raw BLAS on "
              "OpenBLAS' N threads from 2^24 multiply-adds, on one below\n\n");

  bool agree = true;
  std::vector<row> rows;
  for (int th : opt.threads) {
    // tshape as a program runs it by default: its pool on th threads, BLAS on one thread per block
    // of rows (kernels/gemm/blas.hpp). The raw sgemm peer gets OpenBLAS' own th threads (set
    // around each of its calls, see run_case).
    tshape::set_threads(th);
    tshape::set_blas_threads(1);
    std::printf("| threads | (batch, in, out) | tshape (path) | GFLOP/s | Eigen fixed | GFLOP/s | raw BLAS (form) "
                "| GFLOP/s | vs Eigen | vs BLAS |\n|---|---|---|---|---|---|---|---|---|---|\n");
    auto report = [&](const row& r) {
      const double f = 2.0 * r.batch * r.in * r.out;
      std::printf("| %d | (%d, %d, %d) | %s (%s) | %.1f | %s | %.1f | %s (%s) | %.1f | %.2fx | %.2fx |\n", r.threads,
                  r.batch, r.in, r.out, format_time(r.t_tshape).c_str(), r.tshape_blas ? "BLAS" : "inline",
                  f / r.t_tshape, format_time(r.t_eigen).c_str(), f / r.t_eigen, format_time(r.t_blas).c_str(),
                  r.blas_form, f / r.t_blas, r.vs_eigen, r.vs_blas);
      std::fflush(stdout);
      rows.push_back(r);
    };
    auto run = [&]<int B, int I, int O>() {
      if (opt.shape.empty() || opt.shape == std::to_string(B) + "," + std::to_string(I) + "," + std::to_string(O))
        report(run_case<B, I, O>(opt, th, agree));
    };
    run.template operator()<1, 20, 128>();
    run.template operator()<1, 128, 128>();
    run.template operator()<32, 20, 128>();
    run.template operator()<32, 128, 10>();
    run.template operator()<32, 784, 128>();
    run.template operator()<256, 1024, 1024>();
    std::printf("\n");
  }
  return agree ? 0 : 1;
}
