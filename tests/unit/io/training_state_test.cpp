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

TEST_CASE("training state: a state of another optimizer is refused by name, and so are arrays it does not have",
          "[train][io]") {
  Tensor<float, Shape<4, 6>> x;
  x.fill(0.5f);
  Tensor<int, Shape<4>> y;
  for (int i = 0; i < 4; ++i) y(i) = i % 3;
  auto net = make_model<Net>(1);
  auto adam = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{});
  adam.step(x, y);
  temp_path adam_file("adam.npz");
  save_training_state(adam, adam_file.path);
  auto adagrad = make_trainer(net, SparseCategoricalCrossentropy{}, Adagrad{});
  adagrad.step(x, y);
  temp_path adagrad_file("adagrad.npz");
  save_training_state(adagrad, adagrad_file.path);

  // Adagrad and SGD have one slot each, as many as an Adagrad state holds: only the name tells them apart.
  auto other = make_model<Net>(2);
  auto sgd = make_trainer(other, SparseCategoricalCrossentropy{}, SGD{});
  const auto before = weights(other)[0].values[0];
  auto e = try_load_training_state(sgd, adagrad_file.path);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().code == errc::weights_mismatch);
  CHECK_THAT(std::string(e.error().what()), Catch::EndsWith("a state of the optimizer Adagrad, not of SGD"));
  // Adam's two slots in an RMSprop trainer (three): the third is missing.
  auto rmsprop = make_trainer(other, SparseCategoricalCrossentropy{}, RMSprop{});
  e = try_load_training_state(rmsprop, adam_file.path);
  REQUIRE_FALSE(e.ok());
  CHECK_THAT(std::string(e.error().what()), Catch::Contains("a state of the optimizer Adam, not of RMSprop"));
  CHECK(weights(other)[0].values[0] == before);
  CHECK(sgd.iterations() == 0);

  // A file without the name (as older ones are) but with more slots than the trainer has.
  std::vector<std::pair<std::string, std::vector<std::byte>>> members;
  const auto archive = try_read_npz(adam_file.path);
  REQUIRE(archive.ok());
  for (const auto& m : archive.value()) {
    if (m.name == "optimizer/name") continue;
    members.emplace_back(m.name, detail::encode_npy(m.array.dtype, m.array.shape, m.array.data));
  }
  temp_path unnamed("unnamed.npz");
  write_npz(unnamed.path, members);
  auto adagrad2 = make_trainer(other, SparseCategoricalCrossentropy{}, Adagrad{});
  e = try_load_training_state(adagrad2, unnamed.path);
  REQUIRE_FALSE(e.ok());
  CHECK_THAT(std::string(e.error().what()),
             Catch::Contains("an array optimizer/slot1/dense/kernel this trainer does not have"));
  auto adam2 = make_trainer(other, SparseCategoricalCrossentropy{}, Adam{});
  CHECK(try_load_training_state(adam2, unnamed.path).ok());  // the same optimizer still loads it
  CHECK(adam2.iterations() == 1);
}

TEST_CASE("training state: a write that fails when the file is closed is an error", "[train][io]") {
  if (!std::filesystem::exists("/dev/full")) return;  // a Linux device that is always full
  auto net = make_model<Net>(1);
  auto t = make_trainer(net, SparseCategoricalCrossentropy{}, SGD{});
  CHECK_THROWS_WITH(save_training_state(t, "/dev/full"),
                    Catch::StartsWith(TSHAPE_MSG_FILE_ERROR) && Catch::EndsWith("/dev/full: cannot write it"));
  CHECK_THROWS_WITH(save_weights(net, "/dev/full"), Catch::EndsWith("/dev/full: cannot write it"));
}
