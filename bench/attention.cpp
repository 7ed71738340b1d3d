// bench/attention: tshape's MultiHeadAttention as self-attention against PyTorch's
// nn.MultiheadAttention(64, 4, batch_first=True) on the same sizes: sequence 64, d_model 64, 4 heads
// of key_dim 16, batch 1 and 32, one thread.
//
// tshape's figures are taken as bench/dense takes its own: a sample is `reps` back-to-back calls of
// net->forward(x, y) (~50 us, or one call), the two batch sizes' samples interleaved round by round in
// a rotating order, and the median per call reported; times are the thread's CPU time, not the wall
// clock's, as the machine these figures come from is shared. PyTorch's run in another process
// (bench/attention_torch.py: eval mode, no_grad, torch.set_num_threads(1) and OMP_NUM_THREADS=1, the
// faster of need_weights=False and True, median of many samples), so they cannot be interleaved with
// tshape's: the bench runs the script after its own samples, or reads its output saved earlier.
// Ratio: t(PyTorch) / t(tshape), above 1 when tshape is faster.
//
// Usage: attention [--quick] [--seconds S] [--torch-figures FILE | --no-torch]
//   --quick          a few samples, no PyTorch: a smoke test that checks the output is finite
//   --seconds        time budget per batch size (default 1.5)
//   --torch-figures  read PyTorch's figures from FILE (attention_torch.py's output) instead of running it
//   --no-torch       tshape's figures only
//
// Figures and how they were taken: bench/README.md.
#include <tshape/tshape.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <time.h>

namespace {

constexpr int sequence = 64, d_model = 64, heads = 4, key_dim = 16;
using Net = tshape::Sequential<tshape::Input<sequence, d_model>, tshape::MultiHeadAttention<heads, key_dim>>;

struct options {
  bool quick = false, torch = true;
  double seconds = 1.5;
  std::string torch_figures;
};

// Keeps the compiler from dropping calls whose results it could see are unused.
inline void clobber(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

using clock_type = std::chrono::steady_clock;

// One batch size's model, data and call.
struct variant {
  int batch;
  std::function<void()> call;
  std::function<bool()> finite;
};

template <int B>
variant make_variant(std::uint64_t seed) {
  using namespace tshape;
  auto net = std::make_shared<model_ptr<Net>>(make_model<Net>(seed));
  auto x = std::make_shared<Tensor<float, Shape<B, sequence, d_model>>>();
  auto y = std::make_shared<Tensor<float, Shape<B, sequence, d_model>>>();
  detail::rng r(seed);
  for (auto& v : *x) v = r.uniform(-1.0f, 1.0f);
  return {B,
          [net, x, y] {
            (**net).forward(x->view(), y->view());
            clobber(y->data());
          },
          [y] { return std::all_of(y->begin(), y->end(), [](float v) { return std::isfinite(v); }); }};
}

// The calling thread's CPU time in us: on a shared machine, time spent waiting for a core is not
// counted (PyTorch's figures are its thread's CPU time too: time.thread_time()).
double thread_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) * 1e-3;
}

double time_calls(const variant& v, int reps) {
  const double t0 = thread_us();
  for (int r = 0; r < reps; ++r) v.call();
  return (thread_us() - t0) / reps;
}

// PyTorch's median us per call by batch, from attention_torch.py's output (`<batch> <us> <calls>`
// lines; lines starting with # are its notes, echoed).
std::map<int, double> read_torch(FILE* f) {
  std::map<int, double> out;
  char line[512];
  while (std::fgets(line, sizeof line, f)) {
    if (line[0] == '#') {
      std::printf("  torch %s", line + 1);
      continue;
    }
    int batch = 0, calls = 0;
    double us = 0;
    if (std::sscanf(line, "%d %lf %d", &batch, &us, &calls) == 3) out[batch] = us;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      o.quick = true;
      o.torch = false;
    } else if (!std::strcmp(argv[i], "--no-torch")) {
      o.torch = false;
    } else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      o.seconds = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--torch-figures") && i + 1 < argc) {
      o.torch_figures = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--seconds S] [--torch-figures FILE | --no-torch]\n", argv[0]);
      return 2;
    }
  }
  tshape::set_threads(1);
  tshape::set_blas_threads(1);

  std::vector<variant> vs = {make_variant<1>(1), make_variant<32>(2)};
  // Calls per sample: ~50 us, or one call (quick: one call, three rounds).
  std::vector<int> calls;
  for (auto& v : vs) {
    v.call();
    const double one = time_calls(v, o.quick ? 1 : 3);
    calls.push_back(o.quick ? 1 : std::max(1, static_cast<int>(50.0 / one)));
  }
  std::vector<std::vector<double>> t(vs.size());
  const auto deadline = clock_type::now() + std::chrono::duration<double>(o.seconds * static_cast<double>(vs.size()));
  for (int r = 0; o.quick ? r < 3 : (r < 11 || clock_type::now() < deadline); ++r)
    for (std::size_t j = 0; j < vs.size(); ++j) {
      const std::size_t k = (j + static_cast<std::size_t>(r)) % vs.size();
      t[k].push_back(time_calls(vs[k], calls[k]));
    }
  for (const auto& v : vs)
    if (!v.finite()) {
      std::printf("MISMATCH: batch %d's output is not finite\n", v.batch);
      return 1;
    }

  std::map<int, double> torch;
  if (!o.torch_figures.empty()) {
    FILE* f = std::fopen(o.torch_figures.c_str(), "r");
    if (!f) {
      std::fprintf(stderr, "cannot read %s\n", o.torch_figures.c_str());
      return 2;
    }
    torch = read_torch(f);
    std::fclose(f);
  } else if (o.torch) {
    // OMP_NUM_THREADS as well as torch.set_num_threads(1): otherwise PyTorch's OpenMP team spins on
    // the other core.
    const std::string cmd = "OMP_NUM_THREADS=1 /usr/bin/python3 " TSHAPE_BENCH_DIR "/attention_torch.py --seconds " +
                            std::to_string(o.seconds);
    if (FILE* p = popen(cmd.c_str(), "r")) {
      torch = read_torch(p);
      pclose(p);
    }
  }

  // 2 T d (3 d) for the projections, 2 T T d twice for scores and values, 2 T d d for the output.
  const double flops = 2.0 * sequence * d_model * (4.0 * d_model) + 4.0 * sequence * sequence * d_model;
  std::printf("\nMultiHeadAttention<%d, %d> self-attention on (batch, %d, %d), one thread\n\n", heads, key_dim,
              sequence, d_model);
  std::printf("| batch | tshape | GFLOP/s | PyTorch | GFLOP/s | PyTorch / tshape |\n|---|---|---|---|---|---|\n");
  for (std::size_t k = 0; k < vs.size(); ++k) {
    const int b = vs[k].batch;
    const double us = median(t[k]);
    std::printf("| %d | %.1f us | %.1f |", b, us, flops * b / us * 1e-3);
    if (torch.count(b))
      std::printf(" %.1f us | %.1f | %.2fx |\n", torch[b], flops * b / torch[b] * 1e-3, torch[b] / us);
    else
      std::printf(" - | - | - |\n");
  }
  std::printf("\n(%zu and %zu samples of %d and %d calls)\n", t[0].size(), t[1].size(), calls[0], calls[1]);
  return 0;
}
