#include <tshape/tshape.hpp>

#include <sstream>
#include <string>

#include "../support.hpp"

using namespace tshape;

using Mlp = Sequential<Input<20>, Dense<64, ReLU>, ReLU, Dense<64>, Dense<10, Softmax>>;
constexpr auto mlp = summary<Mlp>();
static_assert(mlp.rows.size() == 4);
static_assert(mlp.model_name == "sequential");
static_assert(mlp.rows[0].name == "dense" && mlp.rows[0].class_name == "Dense");
static_assert(mlp.rows[1].name == "re_lu" && mlp.rows[1].class_name == "ReLU");
static_assert(mlp.rows[2].name == "dense_1" && mlp.rows[3].name == "dense_2");
static_assert(mlp.rows[3].output_shape == "(None, 10)");
static_assert(mlp.rows[0].params == 1344 && mlp.rows[1].params == 0);
static_assert(mlp.total_params == 1344 + 4160 + 650 && mlp.non_trainable_params == 0);

TEST_CASE("print_summary: Keras' classic table", "[model][summary]") {
  std::ostringstream os;
  print_summary<Sequential<Input<784>, Dense<256, ReLU>, Dense<10, Softmax>>>(os);
  const std::string expected =
      "Model: \"sequential\"\n"
      "_________________________________________________________________\n"
      "Layer (type)                 Output Shape              Param #   \n"
      "=================================================================\n"
      "dense (Dense)                (None, 256)               200960    \n"
      "_________________________________________________________________\n"
      "dense_1 (Dense)              (None, 10)                2570      \n"
      "=================================================================\n"
      "Total params: 203,530\n"
      "Trainable params: 203,530\n"
      "Non-trainable params: 0\n"
      "_________________________________________________________________\n";
  CHECK(os.str() == expected);
}

TEST_CASE("print_summary: names and shapes that fit their columns, and nested models", "[model][summary]") {
  using Net = Sequential<Input<8>, LeakyReLU, Sequential<Dense<4>, Dense<3>>>;
  std::ostringstream os;
  print_summary<Net>(os);
  CHECK_THAT(os.str(), Catch::Contains("leaky_re_lu (LeakyReLU)      (None, 8)                 0         \n"));
  CHECK_THAT(os.str(), Catch::Contains("sequential (Sequential)      (None, 3)                 51        \n"));
  CHECK_THAT(os.str(), Catch::StartsWith("Model: \"sequential_1\"\n"));
}

TEST_CASE("print_summary: fields too long for their column are cut, as Keras does", "[model][summary]") {
  // Rows as Keras 2's print_row makes them: each field cut at its column stop (29, 55, 65), and the
  // last character before the next column made a space.
  std::ostringstream os;
  print_summary<Sequential<Input<1000, 1000, 100, 10>, BatchNormalization, Permute<1, 2, 3, 4>>>(os);
  CHECK_THAT(os.str(), Catch::Contains("\nbatch_normalization (BatchNo (None, 1000, 1000, 100, 1 40        \n"));
  CHECK_THAT(os.str(), Catch::Contains("\npermute (Permute)            (None, 1000, 1000, 100, 1 0         \n"));
  // BatchNormalization's moving statistics count as non-trainable.
  CHECK_THAT(os.str(), Catch::Contains("Total params: 40\nTrainable params: 20\nNon-trainable params: 20\n"));
}

TEST_CASE("print_summary: a model without layers", "[model][summary]") {
  std::ostringstream os;
  print_summary<Sequential<Input<3>>>(os);
  CHECK(os.str() ==
        "Model: \"sequential\"\n"
        "_________________________________________________________________\n"
        "Layer (type)                 Output Shape              Param #   \n"
        "=================================================================\n"
        "Total params: 0\n"
        "Trainable params: 0\n"
        "Non-trainable params: 0\n"
        "_________________________________________________________________\n");
}

TEST_CASE("print_summary: totals take thousands separators, rows do not", "[model][summary]") {
  std::ostringstream big;
  print_summary<Sequential<Input<1>, Dense<1000000>>>(big);
  CHECK_THAT(big.str(), Catch::Contains("(None, 1000000)           2000000   \n"));
  CHECK_THAT(big.str(), Catch::Contains("Total params: 2,000,000\n"));
}
