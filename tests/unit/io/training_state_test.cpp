// Resuming training: the weights, the optimizer's slots and its iteration count, saved and loaded.
#include <tshape/io/training_state.hpp>
#include <tshape/tshape.hpp>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "../support.hpp"

using namespace tshape;

namespace {
struct temp_path {
  std::string path;
  explicit temp_path(const std::string& name)
      : path((std::filesystem::temp_directory_path() / ("tshape_test_" + std::to_string(::getpid()) + "_" + name)).string()) {}
  ~temp_path() { std::filesystem::remove(path); }
};
using Net = Sequential<Input<6>, Dense<8, Tanh>, Dense<3, Softmax>>;
}  // namespace

TEST_CASE("training state: a resumed trainer continues exactly where the saved one stopped", "[train][io]") {
  Tensor<float, Shape<10, 6>> x;
  Tensor<int, Shape<10>> y;
  detail::rng r(5);
  for (auto& v : x) v = r.uniform(-1.0f, 1.0f);
  for (int i = 0; i < 10; ++i) y(i) = i % 3;

  auto net = make_model<Net>(1);
  auto trainer = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.01f});
  for (int i = 0; i < 3; ++i) trainer.step(x, y);
  temp_path file("state.npz");
  save_training_state(trainer, file.path);
  std::vector<float> expected;
  for (int i = 0; i < 3; ++i) expected.push_back(trainer.step(x, y));

  auto other = make_model<Net>(99);
  auto resumed = make_trainer(other, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.01f});
  load_training_state(resumed, file.path);
  CHECK(resumed.iterations() == 3);
  for (int i = 0; i < 3; ++i) CHECK(resumed.step(x, y) == expected[static_cast<std::size_t>(i)]);

  // A state of another model is refused, and leaves the trainer as it was.
  auto small = make_model<Sequential<Input<6>, Dense<3, Softmax>>>();
  auto third = make_trainer(small, SparseCategoricalCrossentropy{}, Adam{});
  const auto before = weights(small)[0].values[0];
  const auto e = try_load_training_state(third, file.path);
  CHECK_FALSE(e.ok());
  CHECK(weights(small)[0].values[0] == before);
  CHECK(third.iterations() == 0);
}
