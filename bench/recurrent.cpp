// bench/recurrent: tshape's GRU and LSTM against a straightforward Eigen 3.4 implementation of the
// same math, in one run.
//
// Two cases, each for GRU (Keras 2's reset_after form) and LSTM:
//   step       one timestep at batch 1, 8 inputs, 32 units: the real-time case (one audio sample or
//              sensor reading in, one answer out).
//                tshape stream   stream.step(x, y) on make_stream(Sequential<Input<T, 8>, GRU<32>>):
//                                the call a user makes, state kept inside
//                tshape layer    layer<0>(net).step<1>(x, y, 1, state, scratch): the fused kernel alone
//                Eigen           fixed-size Eigen matrices: W^T x + b, U^T h + b, gates with Eigen's
//                                vectorised logistic() and tanh(), as a hand-written Eigen cell does
//   sequence   batch 32, 100 timesteps, 32 inputs, 64 units, the last timestep's output.
//                tshape          net.forward(x, y) on Sequential<Input<100, 32>, GRU<64>>
//                Eigen           one GEMM for the input projection of all timesteps, then per
//                                timestep H . U (a 32 x 64 by 64 x G product) and the gates
//
// The step rows also compare with RTNeural, the fastest peer: its compile-time GRU and LSTM with its
// Eigen backend (its fastest here; its xsimd backend was 2-4x slower), built from its source and
// timed in one process with tshape on this machine (Zen 4, g++ 12 -O3 -march=native, paired medians
// of interleaved samples): RTNeural / tshape was 1.40x-1.48x for the GRU step and 1.11x-1.24x for
// the LSTM step, tshape then taking 112-116 ns and 147-156 ns, so RTNeural took about 164 ns and
// 177 ns. RTNeural is not in Debian, so those are constants here, not paired ratios of this run.
// The aim is a step 1.25x faster than the peer: at most 131 ns (GRU) and 141 ns (LSTM).
//
// Timing: the variants are interleaved sample by sample (the machine is shared and noisy); a sample
// is `reps` back-to-back calls of one variant, and each round takes one sample of every variant in
// a rotating order. Reported: each variant's median time per call (and its best sample, what a quiet
// machine gives), and the median over rounds of the paired ratio t(Eigen) / t(tshape), so a ratio
// above 1 means tshape is faster. Every variant's
// output is checked against the others' before timing.
//
// Usage: recurrent [--quick] [--seconds S] [--tsv]
//   --quick    a few short rounds: a smoke test (also checks that the variants agree)
//   --seconds  time budget per case (default 3)
//   --tsv      "case, variant<TAB>best ns" lines instead of the table (what bench/opt_levels.sh reads)
//
// Figures and how they were taken: bench/README.md.
#include <tshape/tshape.hpp>

#include <Eigen/Core>
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

namespace {

using namespace tshape;

struct options {
  bool quick = false;
  bool tsv = false;
  double seconds = 3.0;
};

// Keeps the compiler from dropping calls whose results it could see are unused.
inline void clobber(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

using clock_type = std::chrono::steady_clock;

// A variant runs `reps` calls per sample inside its own loop, so that the call is inlined there as it
// would be in a user's loop (a std::function call per step would add its own cost to every step).
struct variant {
  std::string name;
  std::function<void(int)> run;
};
template <class F>
variant make_variant(std::string name, F f) {
  return {std::move(name), [f](int reps) mutable {
            for (int r = 0; r < reps; ++r) f();
          }};
}

struct result {
  std::vector<double> median_ns;      // per variant
  std::vector<double> best_ns;        // the fastest sample, per variant: the machine when it is quiet
  std::vector<double> ratio_vs_first;  // median of t(variant) / t(variant 0), per variant
};

// Interleaved rounds until the time budget is spent; variant 0 is the reference of the ratios.
result measure(std::vector<variant>& vs, int reps, double seconds) {
  const std::size_t n = vs.size();
  std::vector<std::vector<double>> times(n);
  std::vector<std::vector<double>> ratios(n);
  for (auto& v : vs) v.run(reps);  // warm up
  const auto start = clock_type::now();
  int round = 0;
  while (std::chrono::duration<double>(clock_type::now() - start).count() < seconds || round < 5) {
    std::vector<double> t(n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (k + static_cast<std::size_t>(round)) % n;
      const auto t0 = clock_type::now();
      vs[i].run(reps);
      const auto t1 = clock_type::now();
      t[i] = std::chrono::duration<double, std::nano>(t1 - t0).count() / reps;
    }
    for (std::size_t i = 0; i < n; ++i) {
      times[i].push_back(t[i]);
      ratios[i].push_back(t[i] / t[0]);
    }
    ++round;
  }
  result r;
  for (std::size_t i = 0; i < n; ++i) {
    r.median_ns.push_back(median(times[i]));
    r.best_ns.push_back(*std::min_element(times[i].begin(), times[i].end()));
    r.ratio_vs_first.push_back(median(ratios[i]));
  }
  return r;
}

float rand_float(std::uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return static_cast<float>((s >> 40) * 0x1.0p-24) * 2.0f - 1.0f;
}

bool close(const float* a, const float* b, std::size_t n, float tol = 1e-4f) {
  for (std::size_t i = 0; i < n; ++i)
    if (!(std::fabs(a[i] - b[i]) <= tol * (1.0f + std::fabs(b[i])))) {
      std::printf("  mismatch at %zu: %g vs %g\n", i, static_cast<double>(a[i]), static_cast<double>(b[i]));
      return false;
    }
  return true;
}

// ---- Eigen: the same cells written with Eigen, as a user of Eigen would ---------------------------

template <int F, int U>
struct eigen_gru_step {
  static constexpr int G = 3 * U;
  Eigen::Matrix<float, G, F> wt;  // kernel^T
  Eigen::Matrix<float, G, U> ut;  // recurrent_kernel^T
  Eigen::Matrix<float, G, 1> bx, bh;
  Eigen::Matrix<float, U, 1> h = Eigen::Matrix<float, U, 1>::Zero();

  template <class Bound>
  explicit eigen_gru_step(const Bound& l) {
    for (int k = 0; k < F; ++k)
      for (int j = 0; j < G; ++j) wt(j, k) = l.kernel()(k, j);
    for (int k = 0; k < U; ++k)
      for (int j = 0; j < G; ++j) ut(j, k) = l.recurrent_kernel()(k, j);
    for (int j = 0; j < G; ++j) {
      bx(j) = l.bias()(0, j);
      bh(j) = l.bias()(1, j);
    }
  }
  void step(const float* x_in, float* y) {
    const Eigen::Map<const Eigen::Matrix<float, F, 1>> x(x_in);
    const Eigen::Matrix<float, G, 1> mx = wt * x + bx;
    const Eigen::Matrix<float, G, 1> mh = ut * h + bh;
    const Eigen::Array<float, U, 1> z = (mx.template head<U>() + mh.template head<U>()).array().logistic();
    const Eigen::Array<float, U, 1> r = (mx.template segment<U>(U) + mh.template segment<U>(U)).array().logistic();
    const Eigen::Array<float, U, 1> c = (mx.template tail<U>().array() + r * mh.template tail<U>().array()).tanh();
    h = (z * h.array() + (1.0f - z) * c).matrix();
    Eigen::Map<Eigen::Matrix<float, U, 1>> out(y);
    out = h;
  }
};

template <int F, int U>
struct eigen_lstm_step {
  static constexpr int G = 4 * U;
  Eigen::Matrix<float, G, F> wt;
  Eigen::Matrix<float, G, U> ut;
  Eigen::Matrix<float, G, 1> b;
  Eigen::Matrix<float, U, 1> h = Eigen::Matrix<float, U, 1>::Zero(), c = Eigen::Matrix<float, U, 1>::Zero();

  template <class Bound>
  explicit eigen_lstm_step(const Bound& l) {
    for (int k = 0; k < F; ++k)
      for (int j = 0; j < G; ++j) wt(j, k) = l.kernel()(k, j);
    for (int k = 0; k < U; ++k)
      for (int j = 0; j < G; ++j) ut(j, k) = l.recurrent_kernel()(k, j);
    for (int j = 0; j < G; ++j) b(j) = l.bias()(j);
  }
  void step(const float* x_in, float* y) {
    const Eigen::Map<const Eigen::Matrix<float, F, 1>> x(x_in);
    const Eigen::Matrix<float, G, 1> zz = wt * x + ut * h + b;
    const Eigen::Array<float, U, 1> i = zz.template segment<U>(0).array().logistic();
    const Eigen::Array<float, U, 1> f = zz.template segment<U>(U).array().logistic();
    const Eigen::Array<float, U, 1> g = zz.template segment<U>(2 * U).array().tanh();
    const Eigen::Array<float, U, 1> o = zz.template segment<U>(3 * U).array().logistic();
    c = (f * c.array() + i * g).matrix();
    h = (o * c.array().tanh()).matrix();
    Eigen::Map<Eigen::Matrix<float, U, 1>> out(y);
    out = h;
  }
};

using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A whole sequence: X (B*T, F) . W + b in one product, then per timestep H . U and the gates.
struct eigen_sequence {
  bool lstm;
  int B, T, F, U, G;
  row_major w, u;             // (F, G), (U, G): Keras' layouts
  Eigen::RowVectorXf bx, bh;  // input and recurrent bias (LSTM: bh = 0)
  row_major xp, h, c, m;

  template <class Bound>
  eigen_sequence(const Bound& l, bool is_lstm, int b, int t, int f, int units)
      : lstm(is_lstm), B(b), T(t), F(f), U(units), G((is_lstm ? 4 : 3) * units) {
    w = Eigen::Map<const row_major>(l.kernel().data(), F, G);
    u = Eigen::Map<const row_major>(l.recurrent_kernel().data(), U, G);
    bx = Eigen::Map<const Eigen::RowVectorXf>(l.bias().data(), G);
    bh = lstm ? Eigen::RowVectorXf::Zero(G) : Eigen::RowVectorXf(Eigen::Map<const Eigen::RowVectorXf>(l.bias().data() + G, G));
  }
  void run(const float* x, float* y) {
    xp.noalias() = Eigen::Map<const row_major>(x, B * T, F) * w;
    xp.rowwise() += bx;
    h = row_major::Zero(B, U);
    c = row_major::Zero(B, U);
    for (int t = 0; t < T; ++t) {
      const Eigen::Map<const row_major, 0, Eigen::OuterStride<>> xt(xp.data() + t * G, B, G,
                                                                      Eigen::OuterStride<>(T * G));
      m.noalias() = h * u;
      m.rowwise() += bh;
      if (lstm) {
        const row_major zz = xt + m;
        const Eigen::ArrayXXf i = zz.leftCols(U).array().logistic();
        const Eigen::ArrayXXf f = zz.middleCols(U, U).array().logistic();
        const Eigen::ArrayXXf g = zz.middleCols(2 * U, U).array().tanh();
        const Eigen::ArrayXXf o = zz.rightCols(U).array().logistic();
        c = (f * c.array() + i * g).matrix();
        h = (o * c.array().tanh()).matrix();
      } else {
        const Eigen::ArrayXXf z = (xt.leftCols(U) + m.leftCols(U)).array().logistic();
        const Eigen::ArrayXXf r = (xt.middleCols(U, U) + m.middleCols(U, U)).array().logistic();
        const Eigen::ArrayXXf cand = (xt.rightCols(U).array() + r * m.rightCols(U).array()).tanh();
        h = (z * h.array() + (1.0f - z) * cand).matrix();
      }
    }
    Eigen::Map<row_major>(y, B, U) = h;
  }
};

// ---- The cases ------------------------------------------------------------------------------------

struct table_row {
  std::string cell, shape;
  std::vector<std::string> names;
  result r;
  double peer_ns = 0;  // RTNeural's figure on this machine (step rows), else 0
};

// RTNeural's fastest backend, one step at batch 1, 8 inputs, 32 units, on this machine (see the top).
constexpr double rtneural_gru_step_ns = 164, rtneural_lstm_step_ns = 177;
// The aim: a step this much faster than the peer figure.
constexpr double step_aim = 1.25;

template <template <int, class...> class Cell, int F, int U>
table_row step_case(const options& opt, bool& agree) {
  constexpr bool is_lstm = std::is_same_v<Cell<U>, LSTM<U>>;
  using Net = Sequential<Input<100, F>, Cell<U>>;
  auto net = make_model<Net>(42);
  auto& l = layer<0>(net);
  std::uint64_t seed = 7;
  for (float& v : l.bias()) v = 0.5f * rand_float(seed);  // not Keras' zeros: every term counts
  using E = std::conditional_t<is_lstm, eigen_lstm_step<F, U>, eigen_gru_step<F, U>>;
  auto eigen = std::make_unique<E>(l);
  auto stream = make_stream(net);
  using B = std::remove_cvref_t<decltype(l)>;
  alignas(64) float state[B::state_size]{};
  alignas(64) float scratch[B::step_scratch_floats(1) + 1]{};
  constexpr int frames = 64;  // a loop of different inputs, as real frames are
  std::vector<float> xs(static_cast<std::size_t>(frames) * F);
  for (float& v : xs) v = rand_float(seed);
  alignas(64) float y_stream[U], y_layer[U], y_eigen[U];

  // The variants agree, frame after frame.
  for (int t = 0; t < frames; ++t) {
    const float* x = xs.data() + t * F;
    stream.step(x, y_stream);
    l.template step<1>(x, y_layer, 1, state, scratch);
    eigen->step(x, y_eigen);
    if (!close(y_stream, y_eigen, U) || !close(y_layer, y_eigen, U)) {
      std::printf("%s step: tshape and Eigen disagree at frame %d\n", is_lstm ? "LSTM" : "GRU", t);
      agree = false;
      break;
    }
  }
  int t_stream = 0, t_layer = 0, t_eigen = 0;
  std::vector<variant> vs = {
      make_variant("tshape stream",
                   [&] {
                     stream.step(xs.data() + t_stream * F, y_stream);
                     t_stream = (t_stream + 1) % frames;
                     clobber(y_stream);
                   }),
      make_variant("tshape layer step",
                   [&] {
                     l.template step<1>(xs.data() + t_layer * F, y_layer, 1, state, scratch);
                     t_layer = (t_layer + 1) % frames;
                     clobber(y_layer);
                   }),
      make_variant("Eigen",
                   [&] {
                     eigen->step(xs.data() + t_eigen * F, y_eigen);
                     t_eigen = (t_eigen + 1) % frames;
                     clobber(y_eigen);
                   }),
  };
  table_row row{is_lstm ? "LSTM" : "GRU", "batch 1, " + std::to_string(F) + " inputs, " + std::to_string(U) + " units",
                {}, measure(vs, opt.quick ? 200 : 2000, opt.quick ? 0.05 : opt.seconds),
                is_lstm ? rtneural_lstm_step_ns : rtneural_gru_step_ns};
  for (auto& v : vs) row.names.push_back(v.name);
  return row;
}

template <template <int, class...> class Cell, int B, int T, int F, int U>
table_row sequence_case(const options& opt, bool& agree) {
  constexpr bool is_lstm = std::is_same_v<Cell<U>, LSTM<U>>;
  using Net = Sequential<Input<T, F>, Cell<U>>;
  auto net = make_model<Net>(42);
  auto& l = layer<0>(net);
  std::uint64_t seed = 11;
  for (float& v : l.bias()) v = 0.5f * rand_float(seed);
  eigen_sequence eigen(l, is_lstm, B, T, F, U);
  auto x = std::make_unique<Tensor<float, Shape<B, T, F>>>();
  for (float& v : *x) v = rand_float(seed);
  auto y = std::make_unique<Tensor<float, Shape<B, U>>>();
  std::vector<float> y_eigen(static_cast<std::size_t>(B) * U);
  net->forward(x->view(), y->view());
  eigen.run(x->data(), y_eigen.data());
  if (!close(y->data(), y_eigen.data(), y_eigen.size())) {
    std::printf("%s sequence: tshape and Eigen disagree\n", is_lstm ? "LSTM" : "GRU");
    agree = false;
  }
  std::vector<variant> vs = {
      make_variant("tshape",
                   [&] {
                     net->forward(x->view(), y->view());
                     clobber(y->data());
                   }),
      make_variant("Eigen",
                   [&] {
                     eigen.run(x->data(), y_eigen.data());
                     clobber(y_eigen.data());
                   }),
  };
  table_row row{is_lstm ? "LSTM" : "GRU",
                "batch " + std::to_string(B) + ", " + std::to_string(T) + " timesteps, " + std::to_string(F) +
                    " inputs, " + std::to_string(U) + " units",
                {}, measure(vs, opt.quick ? 1 : 5, opt.quick ? 0.05 : opt.seconds)};
  for (auto& v : vs) row.names.push_back(v.name);
  return row;
}

std::string format_time(double ns) {
  char buf[32];
  if (ns < 1e3)
    std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  else if (ns < 1e6)
    std::snprintf(buf, sizeof buf, "%.1f us", ns / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  return buf;
}

// One line per variant: its best sample, for comparing builds (bench/opt_levels.sh).
void print_tsv(const table_row& row) {
  for (std::size_t i = 0; i < row.names.size(); ++i)
    std::printf("%s %s, %s\t%.1f\n", row.cell.c_str(), row.peer_ns > 0 ? "step" : "sequence", row.names[i].c_str(),
                row.r.best_ns[i]);
  std::fflush(stdout);
}

void print(const table_row& row) {
  std::printf("| %s | %s |", row.cell.c_str(), row.shape.c_str());
  for (std::size_t i = 0; i < row.names.size(); ++i)
    std::printf(" %s %s (%s)%s", row.names[i].c_str(), format_time(row.r.median_ns[i]).c_str(),
                format_time(row.r.best_ns[i]).c_str(), i + 1 < row.names.size() ? "," : " |");
  // Eigen is the last variant: its paired ratio to each tshape variant.
  const std::size_t e = row.names.size() - 1;
  for (std::size_t i = 0; i < e; ++i)
    std::printf(" %.2fx%s", row.r.ratio_vs_first[e] / row.r.ratio_vs_first[i], i + 1 < e ? "," : " |");
  // The peer figure over each tshape variant's median, and whether the aim is met.
  if (row.peer_ns > 0) {
    std::printf(" %s:", format_time(row.peer_ns).c_str());
    bool met = true;
    for (std::size_t i = 0; i < e; ++i) {
      const double ratio = row.peer_ns / row.r.median_ns[i];
      met = met && ratio >= step_aim;
      std::printf(" %.2fx%s", ratio, i + 1 < e ? "," : "");
    }
    std::printf(" (aim %.2fx, <= %s: %s) |", step_aim, format_time(row.peer_ns / step_aim).c_str(),
                met ? "met" : "not met");
  } else {
    std::printf(" - |");
  }
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      opt.quick = true;
    else if (!std::strcmp(argv[i], "--tsv"))
      opt.tsv = true;
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
      opt.seconds = std::atof(argv[++i]);
    else {
      std::printf("usage: %s [--quick] [--seconds S] [--tsv]\n", argv[0]);
      return 2;
    }
  }
  set_blas_threads(1);
  bool agree = true;
  if (opt.tsv) {
    print_tsv(step_case<GRU, 8, 32>(opt, agree));
    print_tsv(step_case<LSTM, 8, 32>(opt, agree));
    print_tsv(sequence_case<GRU, 32, 100, 32, 64>(opt, agree));
    print_tsv(sequence_case<LSTM, 32, 100, 32, 64>(opt, agree));
    return agree ? 0 : 1;
  }
  const auto blas = blas_info();
  std::printf("tshape kernels: %s; BLAS: %s (%s), %d thread(s)%s%s\n", simd_name(), blas.library, blas.core,
              blas.threads, blas.generic_core ? "; " : "", blas.advice);
  std::printf("Eigen %d.%d.%d, SIMD: %s\n\n", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION,
              Eigen::SimdInstructionSetsInUse());
  std::printf("| cell | case | time per call: median (best sample) | Eigen / tshape (median of paired ratios) | "
              "RTNeural (same machine, constant) / tshape median |\n"
              "|---|---|---|---|---|\n");
  print(step_case<GRU, 8, 32>(opt, agree));
  print(step_case<LSTM, 8, 32>(opt, agree));
  print(sequence_case<GRU, 32, 100, 32, 64>(opt, agree));
  print(sequence_case<LSTM, 32, 100, 32, 64>(opt, agree));
  if (!agree) {
    std::printf("\nthe variants disagree: the figures above are not comparable\n");
    return 1;
  }
  return 0;
}
