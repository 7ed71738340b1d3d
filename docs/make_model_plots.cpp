// Writes the DOT text of the guide's example graphs; Graphviz's dot renders them to docs/images:
//
//   g++ -std=c++20 -Iinclude docs/make_model_plots.cpp -o /tmp/make_model_plots -lopenblas
//   /tmp/make_model_plots two_heads | dot -Tsvg -o docs/images/two_heads.svg
//   /tmp/make_model_plots sequence | dot -Tsvg -o docs/images/sequence.svg
#include <tshape/tshape.hpp>

#include <iostream>
#include <string_view>

using namespace tshape;

// One image, two heads: the class of the object and its box.
constexpr auto image = Input<32, 32, 3>{};
constexpr auto features = GlobalAveragePooling2D{}(
    Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>{}(MaxPooling2D<>{}(Conv2D<16, Kernel<3, 3>, Padding::same, ReLU>{}(image))));
using TwoHeads = decltype(model(image, outputs(Dense<10, Softmax>{}(features), Dense<4>{}(features))));

// A Sequential over sequences, drawn left to right.
using Sequence = Sequential<Input<100, 8>, Bidirectional<GRU<32>>, Dense<16, ReLU>, Dense<1, Sigmoid>>;

int main(int argc, char** argv) {
  const std::string_view which = argc > 1 ? argv[1] : "";
  if (which == "two_heads") {
    std::cout << to_dot<TwoHeads>();
  } else if (which == "sequence") {
    std::cout << to_dot<Sequence>({.rankdir = "LR"});
  } else {
    std::cerr << "usage: make_model_plots two_heads|sequence\n";
    return 2;
  }
}
