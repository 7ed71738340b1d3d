// Inference is const and keeps no state in the model: several threads may call the same model at
// once. Run under ThreadSanitizer by the test script's thread configuration.
#include <tshape/tshape.hpp>

#include <thread>
#include <vector>

#include "../support.hpp"

using namespace tshape;

TEST_CASE("threads: one model, four threads, static and dyn batches", "[model][threads]") {
  using Net = Sequential<Input<32>, Dense<64, ReLU>, Dense<64, Tanh>, Dense<8, Softmax>>;
  const auto net = make_model<Net>(17);
  Tensor<float, Shape<16, 32>> x;
  tshape_test::random_floats rnd(2);
  rnd.fill(x);
  const auto expected = net(x);
  Tensor<float, Shape<dyn, 32>> xd{TensorView<const float, Shape<dyn, 32>>(x)};

  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        auto a = net(x);
        auto b = net(xd);
        for (std::ptrdiff_t i = 0; i < a.size(); ++i) mismatches[t] += (a[i] != expected[i]) + (b[i] != expected[i]);
      }
    });
  for (auto& th : threads) th.join();
  for (int m : mismatches) CHECK(m == 0);
}
