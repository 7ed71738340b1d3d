// Inference is const and keeps no state in the model: several threads may call the same model at
// once, and each may run a stream of its own over it. Run under ThreadSanitizer by the test script's
// thread configuration; every thread must get the numbers a single thread got before.
#include <tshape/tshape.hpp>

#include <thread>
#include <vector>

#include "../support.hpp"

using namespace tshape;

namespace {
constexpr int thread_count = 4;

// Runs each(t, mismatches[t]) on thread_count threads at once; every thread must count no mismatch.
template <class F>
void on_threads(F each) {
  std::vector<int> mismatches(thread_count, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) threads.emplace_back([&, t] { each(t, mismatches[t]); });
  for (auto& th : threads) th.join();
  for (int m : mismatches) CHECK(m == 0);
}

template <class A, class B>
int differences(const A& a, const B& b) {
  int n = a.size() == b.size() ? 0 : 1;
  for (std::ptrdiff_t i = 0; i < a.size() && i < b.size(); ++i) n += a[i] != b[i];
  return n;
}

// One model from thread_count threads: a static batch B (net(x), whose arena is on the stack), and the
// same samples as a dyn batch (net(x), one block per call; forward(x, y), the thread's own arena).
template <class Net, int B>
void check_from_threads(const Net& net, int rounds) {
  using In = typename Net::input_shape;
  using Out = typename Net::output_shape;
  Tensor<float, prepend_t<B, In>> x;
  tshape_test::random_floats rnd(2);
  rnd.fill(x);
  const auto expected = net(x);
  const Tensor<float, prepend_t<dyn, In>> xd{TensorView<const float, prepend_t<dyn, In>>(x)};

  on_threads([&](int, int& mismatches) {
    Tensor<float, prepend_t<dyn, Out>> into(B);
    for (int round = 0; round < rounds; ++round) {
      mismatches += differences(net(x), expected);
      mismatches += differences(net(xd), expected);
      net.forward(xd.view(), into.view());
      mismatches += differences(into, expected);
    }
  });
}
}  // namespace

TEST_CASE("threads: one model, four threads, static and dyn batches", "[model][threads]") {
  using Net = Sequential<Input<32>, Dense<64, ReLU>, Dense<64, Tanh>, Dense<8, Softmax>>;
  const auto net = make_model<Net>(17);
  check_from_threads<Net, 16>(*net, 50);
}

TEST_CASE("threads: a CNN (Conv2D, BatchNormalization, pooling) from four threads", "[model][threads]") {
  using Net = Sequential<Input<10, 10, 3>, Conv2D<8, Kernel<3, 3>, Padding::same, ReLU>, BatchNormalization,
                         MaxPooling2D<Pool<2, 2>>, Conv2D<8, Kernel<3, 3>, ReLU>, GlobalAveragePooling2D, Dense<4, Softmax>>;
  auto net = make_model<Net>(18);
  tshape_test::random_floats rnd(5);
  rnd.fill(layer<1>(net).moving_mean());
  rnd.fill(layer<1>(net).moving_variance(), 0.5f, 2.0f);
  check_from_threads<Net, 8>(*net, 20);
}

TEST_CASE("threads: GRU and Bidirectional from four threads", "[model][threads]") {
  using Net = Sequential<Input<12, 4>, GRU<8, ReturnSequences>, Bidirectional<GRU<6>>, Dense<3>>;
  const auto net = make_model<Net>(19);
  check_from_threads<Net, 8>(*net, 20);
}

TEST_CASE("threads: a stream per thread over one model", "[model][threads][stream]") {
  using Net = Sequential<Input<12, 4>, GRU<8, ReturnSequences>, LSTM<6>, Dense<2>>;
  const auto net = make_model<Net>(20);
  constexpr int frames = 30;  // beyond the model's 12 timesteps: a stream runs as long as frames come
  std::vector<Tensor<float, Shape<4>>> x(frames);
  tshape_test::random_floats rnd(7);
  for (auto& f : x) rnd.fill(f);
  std::vector<Tensor<float, Shape<2>>> expected;
  {
    auto stream = make_stream(net);
    for (const auto& f : x) expected.push_back(stream(f));
  }

  on_threads([&](int, int& mismatches) {
    auto stream = make_stream(net);
    for (int round = 0; round < 5; ++round) {
      for (int t = 0; t < frames; ++t) mismatches += differences(stream(x[t]), expected[t]);
      stream.reset_state();
    }
  });
}
