// summary() and print_summary() of functional models: Keras' table with `Connected to`, its
// InputLayer rows, shared layers, several inputs, and a chain printed as Keras prints a chain.
#include <tshape/tshape.hpp>

#include <sstream>
#include <string>

#include "../support.hpp"
#include "test_merge_layer.hpp"

using namespace tshape;
using tshape_test::TestMerge;

namespace functional_summary_test {

// The Keras model of the same table (TestMerge in place of layers.Add(), whose row would read
// `add (Add)`):
//   inputs = keras.Input(shape=(8,))
//   a = layers.Dense(4)(inputs)
//   b = layers.Dense(4, activation="tanh")(inputs)
//   outputs = layers.Dense(2, activation="softmax")(layers.ReLU()(layers.Add()([a, b])))
//   keras.Model(inputs, outputs).summary()
constexpr auto in = Input<8>{};
constexpr auto branch_a = Dense<4>{}(in);
constexpr auto branch_b = Dense<4, Tanh>{}(in);
using Branchy = decltype(model(in, Dense<2, Softmax>{}(ReLU{}(TestMerge{}(branch_a, branch_b)))));

// Two inputs, two outputs:
//   image = keras.Input(shape=(4, 4, 1))
//   meta = keras.Input(shape=(3,))
//   f = layers.Dense(5, activation="relu")(layers.Flatten()(image))
//   m = layers.Dense(5, activation="relu")(meta)
//   joint = layers.Add()([f, m])
//   keras.Model(inputs=[image, meta],
//               outputs=[layers.Dense(1, activation="sigmoid")(joint),
//                        layers.Dense(3, activation="softmax")(joint)]).summary()
constexpr auto image = Input<4, 4, 1>{};
constexpr auto meta = Input<3>{};
constexpr auto joint = TestMerge{}(Dense<5, ReLU>{}(Flatten{}(image)), Dense<5, ReLU>{}(meta));
using TwoInputs = decltype(model(inputs(image, meta), outputs(Dense<1, Sigmoid>{}(joint), Dense<3, Softmax>{}(joint))));

// A shared layer, applied to the input and then to another layer's output:
//   left = keras.Input(shape=(3,))
//   pre = layers.Dense(3)
//   enc = layers.Dense(5, activation="tanh")
//   e1 = enc(left)
//   e2 = enc(pre(left))
//   keras.Model(left, layers.Dense(1)(layers.Add()([e1, e2]))).summary()
struct encoder;
constexpr Shared<encoder, Dense<5, Tanh>> enc{};
constexpr auto left = Input<3>{};
using Siamese = decltype(model(left, Dense<1>{}(TestMerge{}(enc(left), enc(Dense<3>{}(left))))));

// A chain: Keras takes it for a Sequential and prints three columns, the InputLayer row included.
//   x = keras.Input(shape=(784,))
//   keras.Model(x, layers.Dense(10, activation="softmax")(layers.Dense(64, activation="relu")(x))).summary()
constexpr auto pixels = Input<784>{};
using Chain = decltype(model(pixels, Dense<10, Softmax>{}(Dense<64, ReLU>{}(pixels))));

// A functional model as a layer: Keras gives a model a node of its own graph when it is built, so
// the tensor it makes when called is its application 1.
constexpr auto inner_in = Input<4>{};
using Inner = decltype(model(inner_in, Dense<2>{}(inner_in)));
constexpr auto outer_in = Input<8>{};
constexpr auto hidden = Dense<4>{}(outer_in);
// The node Inner{}(hidden) makes, named as a type: clang 14 does not see the model's functional call
// beside its call on data (it hides a using-declared template that differs only in its constraints).
using inner_out = Node<Inner, std::remove_cvref_t<decltype(hidden)>>;
using Outer = decltype(model(outer_in, TestMerge{}(inner_out{}, Dense<2>{}(hidden))));

template <class Net>
std::string printed() {
  std::ostringstream os;
  print_summary<Net>(os);
  return os.str();
}

}  // namespace functional_summary_test
using namespace functional_summary_test;

// The summary is a constant: rows in model.layers order, InputLayers included.
constexpr auto branchy = summary<Branchy>();
static_assert(branchy.model_name == "model" && !branchy.sequential_like);
static_assert(branchy.rows.size() == 6);
static_assert(branchy.rows[0].name == "input_1" && branchy.rows[0].class_name == "InputLayer");
static_assert(branchy.rows[0].output_shape == "[(None, 8)]" && branchy.rows[0].connection_count == 0);
static_assert(branchy.rows[3].name == "test_merge" && branchy.rows[3].connection_count == 2);
static_assert(branchy.rows[3].connected_to[0] == "dense[0][0]" && branchy.rows[3].connected_to[1] == "dense_1[0][0]");
static_assert(branchy.rows[5].name == "dense_2" && branchy.rows[5].params == 10);
static_assert(branchy.total_params == 82 && branchy.trainable_params == 82);
// A shared layer: one row, every application's input in `Connected to`, its second output as [1][0].
constexpr auto siamese = summary<Siamese>();
static_assert(siamese.rows[2].name == "dense_1" && siamese.rows[2].connection_count == 2);
static_assert(siamese.rows[2].output_shape == "(None, 5)");
static_assert(siamese.rows[3].connected_to[1] == "dense_1[1][0]");
static_assert(summary<Chain>().sequential_like);
constexpr auto outer = summary<Outer>();
// The inner model exists before the outer one calls it: Keras names it "model", the outer "model_1".
static_assert(outer.model_name == "model_1");
static_assert(outer.rows[2].name == "model" && outer.rows[2].class_name == "Functional" && outer.rows[2].params == 10);
static_assert(outer.rows[4].name == "test_merge" && outer.rows[4].connected_to[0] == "model[1][0]");

TEST_CASE("print_summary: a branching functional model, as tf.keras 2 prints it", "[model][summary][functional]") {
  CHECK(printed<Branchy>() ==
        "Model: \"model\"\n"
        "__________________________________________________________________________________________________\n"
        "Layer (type)                    Output Shape         Param #     Connected to                     \n"
        "==================================================================================================\n"
        "input_1 (InputLayer)            [(None, 8)]          0                                            \n"
        "__________________________________________________________________________________________________\n"
        "dense (Dense)                   (None, 4)            36          input_1[0][0]                    \n"
        "__________________________________________________________________________________________________\n"
        "dense_1 (Dense)                 (None, 4)            36          input_1[0][0]                    \n"
        "__________________________________________________________________________________________________\n"
        "test_merge (TestMerge)          (None, 4)            0           dense[0][0]                      \n"
        "                                                                 dense_1[0][0]                    \n"
        "__________________________________________________________________________________________________\n"
        "re_lu (ReLU)                    (None, 4)            0           test_merge[0][0]                 \n"
        "__________________________________________________________________________________________________\n"
        "dense_2 (Dense)                 (None, 2)            10          re_lu[0][0]                      \n"
        "==================================================================================================\n"
        "Total params: 82\n"
        "Trainable params: 82\n"
        "Non-trainable params: 0\n"
        "__________________________________________________________________________________________________\n");
}

TEST_CASE("print_summary: two inputs, two outputs, and InputLayers at their depth", "[model][summary][functional]") {
  CHECK(printed<TwoInputs>() ==
        "Model: \"model\"\n"
        "__________________________________________________________________________________________________\n"
        "Layer (type)                    Output Shape         Param #     Connected to                     \n"
        "==================================================================================================\n"
        "input_1 (InputLayer)            [(None, 4, 4, 1)]    0                                            \n"
        "__________________________________________________________________________________________________\n"
        "flatten (Flatten)               (None, 16)           0           input_1[0][0]                    \n"
        "__________________________________________________________________________________________________\n"
        "input_2 (InputLayer)            [(None, 3)]          0                                            \n"
        "__________________________________________________________________________________________________\n"
        "dense (Dense)                   (None, 5)            85          flatten[0][0]                    \n"
        "__________________________________________________________________________________________________\n"
        "dense_1 (Dense)                 (None, 5)            20          input_2[0][0]                    \n"
        "__________________________________________________________________________________________________\n"
        "test_merge (TestMerge)          (None, 5)            0           dense[0][0]                      \n"
        "                                                                 dense_1[0][0]                    \n"
        "__________________________________________________________________________________________________\n"
        "dense_2 (Dense)                 (None, 1)            6           test_merge[0][0]                 \n"
        "__________________________________________________________________________________________________\n"
        "dense_3 (Dense)                 (None, 3)            18          test_merge[0][0]                 \n"
        "==================================================================================================\n"
        "Total params: 129\n"
        "Trainable params: 129\n"
        "Non-trainable params: 0\n"
        "__________________________________________________________________________________________________\n");
}

TEST_CASE("print_summary: a shared layer is one row connected to each tensor it reads", "[model][summary][functional]") {
  CHECK(printed<Siamese>() ==
        "Model: \"model\"\n"
        "__________________________________________________________________________________________________\n"
        "Layer (type)                    Output Shape         Param #     Connected to                     \n"
        "==================================================================================================\n"
        "input_1 (InputLayer)            [(None, 3)]          0                                            \n"
        "__________________________________________________________________________________________________\n"
        "dense (Dense)                   (None, 3)            12          input_1[0][0]                    \n"
        "__________________________________________________________________________________________________\n"
        "dense_1 (Dense)                 (None, 5)            20          input_1[0][0]                    \n"
        "                                                                 dense[0][0]                      \n"
        "__________________________________________________________________________________________________\n"
        "test_merge (TestMerge)          (None, 5)            0           dense_1[0][0]                    \n"
        "                                                                 dense_1[1][0]                    \n"
        "__________________________________________________________________________________________________\n"
        "dense_2 (Dense)                 (None, 1)            6           test_merge[0][0]                 \n"
        "==================================================================================================\n"
        "Total params: 38\n"
        "Trainable params: 38\n"
        "Non-trainable params: 0\n"
        "__________________________________________________________________________________________________\n");
}

TEST_CASE("print_summary: a functional chain in the Sequential's three columns", "[model][summary][functional]") {
  CHECK(printed<Chain>() ==
        "Model: \"model\"\n"
        "_________________________________________________________________\n"
        "Layer (type)                 Output Shape              Param #   \n"
        "=================================================================\n"
        "input_1 (InputLayer)         [(None, 784)]             0         \n"
        "_________________________________________________________________\n"
        "dense (Dense)                (None, 64)                50240     \n"
        "_________________________________________________________________\n"
        "dense_1 (Dense)              (None, 10)                650       \n"
        "=================================================================\n"
        "Total params: 50,890\n"
        "Trainable params: 50,890\n"
        "Non-trainable params: 0\n"
        "_________________________________________________________________\n");
}
