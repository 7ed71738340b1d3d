#include <tshape/tshape.hpp>

#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape;

TEST_CASE("weights: Keras' get_weights() order, names and layouts", "[model][weights]") {
  using Net = Sequential<Input<20>, Dense<64, ReLU>, ReLU, Dense<10, UseBias<false>>, Dense<3>>;
  auto net = make_model<Net>();
  auto w = weights(net);
  REQUIRE(w.size() == 5);
  CHECK(w[0].name == "dense/kernel");
  CHECK(w[1].name == "dense/bias");
  CHECK(w[2].name == "dense_1/kernel");  // use_bias=False: no bias array
  CHECK(w[3].name == "dense_2/kernel");
  CHECK(w[4].name == "dense_2/bias");
  CHECK(std::vector<int>(w[0].shape().begin(), w[0].shape().end()) == std::vector<int>{20, 64});
  CHECK(std::vector<int>(w[1].shape().begin(), w[1].shape().end()) == std::vector<int>{64});
  CHECK(w[0].values.size() == 20 * 64);
  CHECK(w[0].values.data() == layer<0>(net).kernel().data());
  long long total = 0;
  for (auto& a : w) total += static_cast<long long>(a.values.size());
  CHECK(total == Net::param_count);
}

TEST_CASE("weights: nested models are walked depth first, names count on", "[model][weights]") {
  using Inner = Sequential<Input<8>, Dense<4>, Dense<2>>;
  using Net = Sequential<Input<3>, Dense<8>, Inner, Dense<1>>;
  auto net = make_model<Net>();
  std::vector<std::string> names;
  for_each_weight(net, [&](const weight_ref& w) { names.emplace_back(w.name.view()); });
  CHECK(names == std::vector<std::string>{"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias", "dense_2/kernel",
                                          "dense_2/bias", "dense_3/kernel", "dense_3/bias"});
  constexpr auto s = summary<Net>();
  // Keras numbers a model after the layers written inside it: the inner one is "sequential".
  static_assert(s.rows[1].name == "sequential" && s.rows[1].class_name == "Sequential");
  static_assert(s.model_name == "sequential_1");
  static_assert(s.rows[2].name == "dense_3");
}
