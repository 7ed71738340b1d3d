// bench/train: milliseconds per training step, tshape against PyTorch on this CPU.
//
// Each model trains with Adam on one fixed batch of random data, the same model, batch, loss and
// thread count in both: tshape's trainer.step (forward with training=True, loss, backward, update)
// and PyTorch's zero_grad / forward / loss / backward / step, timed by bench/train_torch.py, which
// this program starts with Debian's /usr/bin/python3. The machine is shared and noisy, so tshape is
// timed before and after PyTorch and the two medians averaged. Reported: median ms per step of each
// and the ratio t(PyTorch) / t(tshape): above 1, tshape is faster.
//
//   mlp            784 -> 128 ReLU -> 10 softmax, batch 32, sparse categorical cross-entropy
//   flagship_cnn   the design's CNN (20x20x1, Conv 32, pool, Conv 64, pool, GAP, Dense 1 sigmoid), batch 32, BCE
//   gru            GRU(32) over 50 steps of 8 features, Dense 4 softmax, batch 32
//   cifar_cnn      32x32x3: Conv 32, Conv 32, pool, Conv 64, Conv 64, pool, GAP, Dense 10, batch 64
//
// Usage: train [--quick] [--threads N] [--seconds S] [--no-torch] [model...]
#include <tshape/tshape.hpp>
#include <tshape/train/trainer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace tshape;

namespace {

using Mlp = Sequential<Input<784>, Dense<128, ReLU>, Dense<10, Softmax>>;
using Flagship = Sequential<Input<20, 20, 1>, Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<Pool<2, 2>>,
                            Conv2D<64, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<Pool<2, 2>>,
                            GlobalAveragePooling2D, Dense<1, Sigmoid>>;
using Gru = Sequential<Input<50, 8>, GRU<32>, Dense<4, Softmax>>;
using Cifar = Sequential<Input<32, 32, 3>, Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>,
                         Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<>,
                         Conv2D<64, Kernel<3, 3>, Padding::same, ReLU>, Conv2D<64, Kernel<3, 3>, Padding::same, ReLU>,
                         MaxPooling2D<>, GlobalAveragePooling2D, Dense<10, Softmax>>;

struct options {
  bool quick = false;
  bool torch = true;
  int threads = 1;
  double seconds = 1.0;
  std::vector<std::string> models;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// Median ms per step of f over about `seconds` (at least 5 steps), after warm-up steps.
template <class F>
double time_steps(F& f, double seconds, int warmup = 5) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end || t.size() < 5) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return median(t);
}

template <class Net, int Batch, class Loss, class Labels>
double tshape_ms(const options& o, Loss loss_fn, Labels make_label) {
  auto net = make_model<Net>(1);
  Tensor<float, prepend_t<Batch, typename Net::input_shape>> x;
  detail::rng r(3);
  for (auto& v : x) v = r.uniform(0.0f, 1.0f);
  auto y = make_label(r);
  auto trainer = make_trainer(net, loss_fn, Adam{});
  float last = 0.0f;
  auto step = [&] { last = trainer.step(x, y); };
  const double ms = time_steps(step, o.seconds, o.quick ? 1 : 5);
  if (!(last == last)) std::fprintf(stderr, "warning: the loss is NaN\n");
  return ms;
}

template <int Batch, int Classes>
auto sparse_labels() {
  return [](detail::rng& r) {
    Tensor<int, Shape<Batch>> y;
    for (auto& v : y) v = static_cast<int>(r.next() % Classes);
    return y;
  };
}

double tshape_model(const std::string& name, const options& o) {
  if (name == "mlp") return tshape_ms<Mlp, 32>(o, SparseCategoricalCrossentropy{}, sparse_labels<32, 10>());
  if (name == "flagship_cnn")
    return tshape_ms<Flagship, 32>(o, BinaryCrossentropy{}, [](detail::rng& r) {
      Tensor<float, Shape<32, 1>> y;
      for (auto& v : y) v = static_cast<float>(r.next() % 2);
      return y;
    });
  if (name == "gru") return tshape_ms<Gru, 32>(o, SparseCategoricalCrossentropy{}, sparse_labels<32, 4>());
  if (name == "cifar_cnn") return tshape_ms<Cifar, 64>(o, SparseCategoricalCrossentropy{}, sparse_labels<64, 10>());
  std::fprintf(stderr, "unknown model %s\n", name.c_str());
  std::exit(2);
}

// PyTorch's ms per step for each model, from bench/train_torch.py.
std::map<std::string, double> torch_ms(const options& o) {
  std::map<std::string, double> out;
  // OMP_NUM_THREADS as well as torch.set_num_threads: without it PyTorch's OpenMP team still spins on
  // the other core, and on a busy machine its step takes ten times as long.
  std::string cmd = "OMP_NUM_THREADS=" + std::to_string(o.threads) + " /usr/bin/python3 " TSHAPE_BENCH_DIR
                    "/train_torch.py --threads " + std::to_string(o.threads) +
                    " --seconds " + std::to_string(o.seconds);
  for (const auto& m : o.models) cmd += " " + m;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char name[64];
  double ms = 0;
  int n = 0;
  while (std::fscanf(p, "%63s %lf %d", name, &ms, &n) == 3) out[name] = ms;
  pclose(p);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) {
      o.quick = true;
      o.seconds = 0.05;
      o.torch = false;
    } else if (!std::strcmp(argv[i], "--no-torch")) {
      o.torch = false;
    } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      o.threads = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      o.seconds = std::atof(argv[++i]);
    } else {
      o.models.push_back(argv[i]);
    }
  }
  if (o.models.empty()) o.models = {"mlp", "flagship_cnn", "gru", "cifar_cnn"};
  set_blas_threads(o.threads);
  const auto blas = blas_info();
  std::printf("bench/train: ms per train step (Adam), %d thread(s); BLAS %s (%s)\n", o.threads, blas.library, blas.core);
  std::map<std::string, double> before;
  for (const auto& m : o.models) before[m] = tshape_model(m, o);
  const auto torch = o.torch ? torch_ms(o) : std::map<std::string, double>{};
  std::printf("%-14s %12s %12s %10s\n", "model", "tshape ms", "PyTorch ms", "ratio");
  for (const auto& m : o.models) {
    const double t = 0.5 * (before[m] + tshape_model(m, o));
    if (torch.count(m))
      std::printf("%-14s %12.3f %12.3f %9.2fx\n", m.c_str(), t, torch.at(m), torch.at(m) / t);
    else
      std::printf("%-14s %12.3f %12s %10s\n", m.c_str(), t, "-", "-");
  }
}
