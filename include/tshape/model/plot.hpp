// Keras' plot_model as Graphviz DOT text: one node per layer, edges from the layer that makes a
// tensor to each layer that reads it.
//
//   std::string dot = to_dot<Net>();                        // a Sequential or a functional model
//   std::string wide = to_dot<Net>({.rankdir = "LR"});       // left to right
//   // $ dot -Tsvg model.dot -o model.svg
//
// As tf.keras 2's model_to_dot draws it: a digraph with rankdir, concentrate and dpi, record nodes,
// one per layer of model.layers with the InputLayers (input_1, input_2... as in the summary; a
// Sequential's Input is input_1), labelled `name: Class` (a wrapper `bidirectional(gru):
// Bidirectional(GRU)`) and, with show_shapes (true here, false in Keras), Keras' record of the input
// and output shapes: `dense: Dense\n|{input:|output:}|{{(None, 8)}|{(None, 4)}}`. A merge's input is
// the list of its inputs' shapes; an InputLayer's input and output are `[(None, 8)]`. An edge is drawn
// once however many tensors go from one layer to another. Node ids are the layers' names (Keras uses
// Python object ids), so the text is the same from run to run.
#pragma once
#ifndef TSHAPE_NO_HEAP
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../shape/text.hpp"
#include "naming.hpp"
#include "summary.hpp"

namespace tshape {

struct dot_options {
  bool show_shapes = true;          // each node's input and output shapes
  bool show_layer_names = true;     // `dense: Dense`, or `Dense` alone
  std::string_view rankdir = "TB";  // "TB": top to bottom; "LR": left to right
  int dpi = 96;
};

namespace detail {

struct graphviz_layer {
  std::string name;  // the node's id, and its name in the label
  std::string class_name;
  std::string input_shape;
  std::string output_shape;
};

struct dot_graph {
  std::vector<graphviz_layer> layers;
  std::vector<std::pair<std::string, std::string>> edges;

  void connect(const std::string& from, const std::string& to) {
    const auto e = std::make_pair(from, to);
    if (std::find(edges.begin(), edges.end(), e) == edges.end()) edges.push_back(e);
  }
};

/// Text inside a record field: the characters a record label gives a meaning to, escaped.
inline std::string record_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '{' || c == '}' || c == '|' || c == '<' || c == '>' || c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

/// A layer's name and class as the plot labels them: a wrapper (Bidirectional) adds the layer it wraps,
/// whose name comes right after its own in the model's names.
template <class Net, class L>
void label_layer(graphviz_layer& node, int name_index) {
  const auto& names = all_names_v<Net>;
  node.name = std::string(names[name_index].view());
  node.class_name = std::string(L::keras_class);
  if constexpr (has_nested_layers<L> && !model_spec<L>) {
    using Inner = type_at_t<0, typename L::layers>;
    // Appended piece by piece: g++ 12 -O3 warns (-Wrestrict, wrongly: GCC bug 105329) on "(" + std::string(...).
    node.name.append("(").append(names[name_index + 1].view()).append(")");
    node.class_name.append("(").append(Inner::keras_class).append(")");
  }
}

template <class Net>
dot_graph graph_of_sequential() {
  static_assert(Net::has_input, "tshape: to_dot needs a model whose first argument is Input<...>");
  using L = typename Net::layers;
  dot_graph g;
  std::string input_shape("[");  // piece by piece: see label_layer
  input_shape.append(batch_shape_text<typename Net::template shape_at<0>>().view()).append("]");
  g.layers.push_back({"input_1", "InputLayer", input_shape, input_shape});
  for_each_index<list_size<L>>([&](auto i) {
    graphviz_layer node;
    label_layer<Net, type_at_t<i, L>>(node, name_index<Net, i>());
    node.input_shape = std::string(batch_shape_text<typename Net::template shape_at<i>>().view());
    node.output_shape = std::string(batch_shape_text<typename Net::template shape_at<i + 1>>().view());
    g.connect(g.layers.back().name, node.name);
    g.layers.push_back(std::move(node));
  });
  return g;
}

template <class Net>
dot_graph graph_of_functional() {
  using G = graph_text<Net>;
  dot_graph g;
  std::vector<graphviz_layer> by_layer(static_cast<std::size_t>(G::layer_count));
  for_each_index<static_cast<std::size_t>(G::layer_count)>([&](auto l) {
    label_layer<Net, type_at_t<l, typename Net::layers>>(by_layer[l], G::layers.name_index[l]);
  });
  for (std::size_t r = 0; r < G::row_count; ++r) {
    const auto rn = G::nodes_of_row(r);
    graphviz_layer node;
    if (G::row_is_input(r)) {
      node = {std::string(G::row_name(r).view()), "InputLayer", std::string(G::row_output_shape(r).view()),
              std::string(G::row_output_shape(r).view())};
    } else {
      node = by_layer[static_cast<std::size_t>(Net::layer_of[rn.nodes[0]])];
      // Keras' layer.input_shape: one tensor's shape, or a merge's list of them; `?` when the
      // applications of a shared layer disagree (output_shape likewise).
      for (int i = 0; i < rn.count; ++i) {
        const int k = rn.nodes[i];
        std::string in = G::t.input_count[k] > 1 ? "[" : "";
        for (int j = 0; j < G::t.input_count[k]; ++j) {
          if (j > 0) in += ", ";
          in += G::node_shape[G::t.inputs[k][j]].view();
        }
        if (G::t.input_count[k] > 1) in += "]";
        if (i == 0)
          node.input_shape = in;
        else if (in != node.input_shape)
          node.input_shape = "?";
      }
      const auto out = G::row_output_shape(r);
      node.output_shape = out == "multiple" ? std::string("?") : std::string(out.view());
    }
    for (int i = 0; i < rn.count; ++i)
      for (int j = 0; j < G::t.input_count[rn.nodes[i]]; ++j)
        g.connect(std::string(G::node_layer_name(G::t.inputs[rn.nodes[i]][j]).view()), node.name);
    g.layers.push_back(std::move(node));
  }
  return g;
}

}  // namespace detail

/// Graphviz DOT text of model Net (a Sequential with an Input, or a functional model), as Keras'
/// plot_model draws it (see the header).
template <class Net>
std::string to_dot(const dot_options& options = {}) {
  detail::dot_graph g;
  if constexpr (!std::is_void_v<typename Net::diagnosis>)
    ;  // the model reports its error: an empty graph, and no second error
  else if constexpr (detail::graph_model<Net>)
    g = detail::graph_of_functional<Net>();
  else
    g = detail::graph_of_sequential<Net>();
  std::string out = "digraph G {\n";
  out.append("  rankdir=").append(options.rankdir).append(";\n");
  out += "  concentrate=true;\n";
  out += "  dpi=" + std::to_string(options.dpi) + ";\n";
  out += "  node [shape=record];\n";
  for (const auto& node : g.layers) {
    std::string label = options.show_layer_names ? node.name + ": " + node.class_name : node.class_name;
    label = detail::record_text(label);
    if (options.show_shapes)
      label += "\\n|{input:|output:}|{{" + detail::record_text(node.input_shape) + "}|{" +
               detail::record_text(node.output_shape) + "}}";
    out += "  \"" + node.name + "\" [label=\"" + label + "\"];\n";
  }
  for (const auto& [from, to] : g.edges) out += "  \"" + from + "\" -> \"" + to + "\";\n";
  out += "}\n";
  return out;
}

}  // namespace tshape
#endif
