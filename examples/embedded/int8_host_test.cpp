// The int8 sensor model on the host, built like the firmware (TSHAPE_NO_HEAP, no exceptions, no RTTI):
// its labels against the float model's and the true ones, on the test windows and on 400 more, its
// scores against the float model's, and a call of each timed.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "sensor_int8.hpp"
#include "sensor_int8_data.hpp"
#include "sensor_test_data.hpp"

namespace {
struct tally {
  int count = 0, float_right = 0, int8_right = 0, agree = 0;
  double worst = 0, total = 0;
};

tally evaluate(const float* windows, const int* labels, int count) {
  static sensor::Arena arena;
  static sensor::QArena qarena;
  tally t;
  for (int i = 0; i < count; ++i) {
    float window[16], scores[4], qscores[4];
    std::copy_n(windows + 16 * i, 16, window);
    const int f = static_cast<int>(sensor::classify(window, scores, arena));
    const int q = static_cast<int>(sensor::classify_int8(window, qscores, qarena));
    ++t.count;
    t.float_right += f == labels[i];
    t.int8_right += q == labels[i];
    t.agree += f == q;
    for (int j = 0; j < 4; ++j) {
      const double d = std::fabs(static_cast<double>(scores[j] - qscores[j]));
      t.worst = std::max(t.worst, d);
      t.total += d;
    }
  }
  return t;
}

template <class F>
double ns_per_call(F&& call) {
  std::vector<double> ns;
  for (int round = 0; round < 31; ++round) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    long calls = 0;
    std::chrono::duration<double, std::nano> t{};
    do {
      call();
      ++calls;
      t = clock::now() - start;
    } while (t < std::chrono::milliseconds(1));
    ns.push_back(t.count() / static_cast<double>(calls));
  }
  std::sort(ns.begin(), ns.end());
  return ns[15];
}
}  // namespace

int main() {
  namespace data = sensor::test_data;
  namespace more = sensor::int8_data;
  float flat[data::count * 16];
  for (int i = 0; i < data::count; ++i) std::copy_n(data::windows[i], 16, flat + 16 * i);
  const tally test = evaluate(flat, data::labels, data::count);
  const tally eval = evaluate(more::eval, more::eval_labels, more::eval_count);
  for (const auto* t : {&test, &eval})
    std::printf("%3d windows: float %d right, int8 %d right, labels agree on %d; score difference mean %.3f, largest %.3f\n",
                t->count, t->float_right, t->int8_right, t->agree, t->total / (4.0 * t->count), t->worst);
  const auto& model = sensor::int8_model();
  std::printf("quantization: input scale %.4g zero point %d, output (logits) scale %.4g zero point %d\n",
              static_cast<double>(model.input_quantization().scale), model.input_quantization().zero_point,
              static_cast<double>(model.output_quantization().scale), model.output_quantization().zero_point);
  std::printf("parameters: float %zu bytes, int8 %zu bytes; arena: float %zu bytes, int8 %zu bytes\n",
              sensor::Net::param_bytes, sensor::QNet::param_bytes, sensor::Net::activation_bytes,
              sensor::QNet::activation_bytes);

  static sensor::Arena arena;
  static sensor::QArena qarena;
  float scores[4];
  volatile int sink = 0;
  int i = 0;
  const double f = ns_per_call([&] { sink = sink + static_cast<int>(sensor::classify(data::windows[i++ % data::count], scores, arena)); });
  const double q = ns_per_call([&] { sink = sink + static_cast<int>(sensor::classify_int8(data::windows[i++ % data::count], scores, qarena)); });
  std::printf("one call: float %.0f ns, int8 %.0f ns (medians of 31 rounds; int8 kernels: %s)\n", f, q,
              tshape::kernels::quant::dense_path());
  // The int8 model must label the windows as the float one does, but for a rare borderline window.
  const bool ok = test.agree == test.count && eval.agree * 100 >= eval.count * 99;
  return ok ? 0 : 1;
}
