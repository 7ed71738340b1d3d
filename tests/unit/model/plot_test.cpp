// to_dot(): Keras' plot_model as DOT text, for functional and Sequential models; Graphviz's dot,
// when installed, must accept it.
#include <tshape/tshape.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "../support.hpp"
#include "test_merge_layer.hpp"

using namespace tshape;
using tshape_test::TestMerge;

namespace plot_test {

// keras.Model(inputs, Dense(2)(Add()([Dense(4)(inputs), Dense(4, activation="tanh")(inputs)])))
constexpr auto in = Input<8>{};
using Branchy = decltype(model(in, Dense<2, Softmax>{}(TestMerge{}(Dense<4>{}(in), Dense<4, Tanh>{}(in)))));

struct encoder;
constexpr Shared<encoder, Dense<5, Tanh>> enc{};
constexpr auto image = Input<4, 4, 1>{};
constexpr auto meta = Input<3>{};
constexpr auto flat = Dense<3>{}(Flatten{}(image));
// A shared layer read twice by one merge: one edge each way however many tensors it carries.
using TwoInputs = decltype(model(inputs(image, meta), TestMerge{}(enc(flat), enc(meta))));

using Seq = Sequential<Input<100, 8>, Bidirectional<GRU<16>>, Dense<1, Sigmoid>>;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// Whether Graphviz's dot renders `text` to SVG; skipped (true) when dot is not installed.
bool dot_accepts(const std::string& text, const char* name) {
  if (!std::filesystem::exists("/usr/bin/dot") && std::system("command -v dot > /dev/null 2>&1") != 0) {
    WARN("Graphviz's dot is not installed: the DOT text is not rendered");
    return true;
  }
  const auto dir = std::filesystem::temp_directory_path();
  const auto file = dir / (std::string("tshape_plot_test_") + name + ".dot");
  const auto svg = dir / (std::string("tshape_plot_test_") + name + ".svg");
  std::ofstream(file) << text;
  const std::string command = "dot -Tsvg \"" + file.string() + "\" -o \"" + svg.string() + "\"";
  const bool ok = std::system(command.c_str()) == 0 && std::filesystem::file_size(svg) > 0;
  std::filesystem::remove(file);
  std::filesystem::remove(svg);
  return ok;
}

}  // namespace plot_test
using namespace plot_test;

TEST_CASE("to_dot: a functional model's layers, shapes and edges", "[model][plot][functional]") {
  const std::string dot = to_dot<Branchy>();
  CHECK(dot.rfind("digraph G {\n  rankdir=TB;\n  concentrate=true;\n  dpi=96;\n  node [shape=record];\n", 0) == 0);
  CHECK(contains(dot, "  \"input_1\" [label=\"input_1: InputLayer\\n|{input:|output:}|{{[(None, 8)]}|{[(None, 8)]}}\"];\n"));
  CHECK(contains(dot, "  \"dense\" [label=\"dense: Dense\\n|{input:|output:}|{{(None, 8)}|{(None, 4)}}\"];\n"));
  CHECK(contains(dot, "  \"dense_1\" [label=\"dense_1: Dense\\n|{input:|output:}|{{(None, 8)}|{(None, 4)}}\"];\n"));
  CHECK(contains(dot, "  \"test_merge\" [label=\"test_merge: TestMerge\\n|{input:|output:}|{{[(None, 4), (None, 4)]}|{(None, 4)}}\"];\n"));
  CHECK(contains(dot, "  \"dense_2\" [label=\"dense_2: Dense\\n|{input:|output:}|{{(None, 4)}|{(None, 2)}}\"];\n"));
  // Edges in model.layers order, each from the layer that makes a tensor to the one that reads it.
  CHECK(contains(dot, "  \"input_1\" -> \"dense\";\n  \"input_1\" -> \"dense_1\";\n  \"dense\" -> \"test_merge\";\n"
                      "  \"dense_1\" -> \"test_merge\";\n  \"test_merge\" -> \"dense_2\";\n}\n"));
  CHECK(dot_accepts(dot, "branchy"));
}

TEST_CASE("to_dot: two inputs and a shared layer", "[model][plot][functional]") {
  const std::string dot = to_dot<TwoInputs>({.show_shapes = false, .rankdir = "LR"});
  CHECK(contains(dot, "  rankdir=LR;\n"));
  CHECK(contains(dot, "  \"input_1\" [label=\"input_1: InputLayer\"];\n"));
  CHECK(contains(dot, "  \"input_2\" [label=\"input_2: InputLayer\"];\n"));
  CHECK(contains(dot, "  \"dense_1\" [label=\"dense_1: Dense\"];\n"));
  // The shared layer reads input_2 and dense; the merge reads it twice but gets one edge.
  CHECK(contains(dot, "  \"dense\" -> \"dense_1\";\n"));
  CHECK(contains(dot, "  \"input_2\" -> \"dense_1\";\n"));
  CHECK(contains(dot, "  \"dense_1\" -> \"test_merge\";\n}\n"));
  CHECK(dot.find("\"dense_1\" -> \"test_merge\"") == dot.rfind("\"dense_1\" -> \"test_merge\""));
  // A shared layer's input shape is its applications' when they agree.
  CHECK(contains(to_dot<TwoInputs>(), "\"dense_1\" [label=\"dense_1: Dense\\n|{input:|output:}|{{(None, 3)}|{(None, 5)}}\"]"));
  const std::string no_names = to_dot<TwoInputs>({.show_shapes = false, .show_layer_names = false, .dpi = 72});
  CHECK(contains(no_names, "  dpi=72;\n"));
  CHECK(contains(no_names, "  \"flatten\" [label=\"Flatten\"];\n"));
  CHECK(dot_accepts(dot, "two_inputs"));
}

TEST_CASE("to_dot: a Sequential is a chain from its InputLayer, and a wrapper names what it wraps", "[model][plot]") {
  const std::string dot = to_dot<Seq>();
  CHECK(contains(dot, "  \"input_1\" [label=\"input_1: InputLayer\\n|{input:|output:}|{{[(None, 100, 8)]}|{[(None, 100, 8)]}}\"];\n"));
  CHECK(contains(dot, "  \"bidirectional(gru)\" [label=\"bidirectional(gru): Bidirectional(GRU)\\n|{input:|output:}|{{(None, 100, 8)}|{(None, 32)}}\"];\n"));
  CHECK(contains(dot, "  \"dense\" [label=\"dense: Dense\\n|{input:|output:}|{{(None, 32)}|{(None, 1)}}\"];\n"));
  CHECK(contains(dot, "  \"input_1\" -> \"bidirectional(gru)\";\n  \"bidirectional(gru)\" -> \"dense\";\n}\n"));
  CHECK(dot_accepts(dot, "sequential"));
}
