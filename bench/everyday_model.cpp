// bench/everyday_model: inference time of an everyday Keras-style model, the one of
// bench/compile/everyday.cpp (a Conv1D front, a bidirectional GRU, a dense head; 9,891 parameters),
// at batch 32 and batch 1, and of each of its layers on its own (one-layer models with the same
// shapes), so that a slow build points at the layer that lost the time.
//
// It exists to compare builds: bench/opt_levels.sh compiles it at -O2 and -O3 with g++ and clang and
// runs the binaries interleaved. Within a run the variants are interleaved too (the machine is
// shared): each round takes one sample (back-to-back calls for ~`sample_us`) of every variant, and the
// best sample per call is reported, i.e. the time on a quiet machine.
//
// Usage: everyday_model [--quick] [--seconds S] [--tsv]
//   --quick    a few rounds (a smoke test)
//   --seconds  time budget in all (default 2)
//   --tsv      "name<TAB>ns" lines instead of the table (what opt_levels.sh reads)
#include <tshape/tshape.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compile/everyday_net.hpp"

namespace {

using namespace tshape;

using Everyday = EverydayNet;
// Its layers one by one, on the shapes they see inside it.
using ConvPart = Sequential<Input<100, 8>, Conv1D<16, Kernel<5>, Padding::same, ReLU>>;
using PoolPart = Sequential<Input<100, 16>, MaxPooling1D<Pool<2>>>;
using GruPart = Sequential<Input<50, 16>, Bidirectional<GRU<32, ReturnSequences>>>;
using AveragePart = Sequential<Input<50, 64>, GlobalAveragePooling1D>;
using HeadPart = Sequential<Input<64>, Dense<32, ReLU>, Dense<4, Softmax>>;

inline void clobber(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

struct variant {
  std::string name;
  std::function<void()> call;
  double best_ns = 1e30;
  int reps = 1;
};

// A model at batch B on inputs in [-1, 1), its output kept from being optimized away.
template <class Net, int B>
variant make_case(const char* name) {
  using In = prepend_t<B, typename Net::input_shape>;
  using Out = prepend_t<B, typename Net::output_shape>;
  struct state {
    decltype(make_model<Net>(1)) net = make_model<Net>(1);
    std::unique_ptr<Tensor<float, In>> x = std::make_unique<Tensor<float, In>>();
    std::unique_ptr<Tensor<float, Out>> y = std::make_unique<Tensor<float, Out>>();
  };
  auto s = std::make_shared<state>();
  std::uint32_t seed = 12345;
  for (float& v : *s->x) {
    seed = seed * 1664525u + 1013904223u;
    v = static_cast<float>(seed >> 8) / 8388608.0f - 1.0f;
  }
  return {name, [s] {
            s->net->forward(s->x->view(), s->y->view());
            clobber(s->y->data());
          }};
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, tsv = false;
  double seconds = 2.0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--tsv")) tsv = true;
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--seconds S] [--tsv]\n", argv[0]);
      return 2;
    }
  }
  set_blas_threads(1);
  std::vector<variant> vs;
  vs.push_back(make_case<Everyday, 32>("model, batch 32"));
  vs.push_back(make_case<Everyday, 1>("model, batch 1"));
  vs.push_back(make_case<ConvPart, 32>("Conv1D+ReLU, batch 32"));
  vs.push_back(make_case<PoolPart, 32>("MaxPooling1D, batch 32"));
  vs.push_back(make_case<GruPart, 32>("Bidirectional GRU, batch 32"));
  vs.push_back(make_case<AveragePart, 32>("GlobalAveragePooling1D, batch 32"));
  vs.push_back(make_case<HeadPart, 32>("Dense+ReLU, Dense+Softmax, batch 32"));

  using clock = std::chrono::steady_clock;
  const double sample_ns = 200e3;
  for (auto& v : vs) {  // warm up, and find how many calls fill a sample
    v.call();
    const auto t0 = clock::now();
    v.call();
    const double once = std::chrono::duration<double, std::nano>(clock::now() - t0).count();
    v.reps = std::max(1, static_cast<int>(sample_ns / std::max(once, 1.0)));
  }
  const auto end = clock::now() + std::chrono::duration<double>(quick ? 0.05 : seconds);
  for (int round = 0; clock::now() < end || round < 3; ++round) {
    for (std::size_t i = 0; i < vs.size(); ++i) {
      variant& v = vs[(i + static_cast<std::size_t>(round)) % vs.size()];
      const auto t0 = clock::now();
      for (int r = 0; r < v.reps; ++r) v.call();
      const double ns = std::chrono::duration<double, std::nano>(clock::now() - t0).count() / v.reps;
      v.best_ns = std::min(v.best_ns, ns);
    }
  }
  if (tsv) {
    for (const auto& v : vs) std::printf("%s\t%.1f\n", v.name.c_str(), v.best_ns);
  } else {
    std::printf("| case | best time per call |\n|---|---|\n");
    for (const auto& v : vs) std::printf("| %s | %.2f us |\n", v.name.c_str(), v.best_ns / 1e3);
  }
  return 0;
}
