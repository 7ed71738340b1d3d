// Keras' model.summary(), computed at compile time.
//
//   constexpr auto s = summary<Net>();          // rows (name, class, output shape, params), totals
//   static_assert(s.total_params == 18'881);
//   print_summary<Net>();                      // Keras' classic table (tf.keras 2.0-2.8 layout)
//
// A functional model (model/functional.hpp) prints as tf.keras 2 prints one: its InputLayers as rows
// (input_1, input_2... in the order of the model's inputs, output shape `[(None, 8)]`), every row in
// model.layers order, and a fourth column, `Connected to`, with each tensor the layer reads as
// `layer[node_index][tensor_index]` (node_index: which application of that layer made it, in the
// order the model runs them; a nested model counts its own graph as application 0, as Keras does).
// 98 columns, stops at 32, 53, 65. A graph that is a plain chain (one tensor per depth, no merge, no
// shared layer) Keras prints in the Sequential's three columns instead, InputLayer row included; so
// does this. A shared layer's output shape is its shape when every application gives the same one
// (always, here: a shared layer takes one input shape), `multiple` otherwise.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

#include "../shape/text.hpp"
#include "naming.hpp"

#ifndef TSHAPE_NO_HEAP
#include <iostream>
#include <ostream>
#include <string>
#endif

namespace tshape {

struct summary_row {
  layer_name name;                 // "dense_1"
  std::string_view class_name;     // "Dense"
  static_text<128> output_shape;   // "(None, 64)"
  long long params = 0;
};

template <std::size_t N>
struct model_summary {
  layer_name model_name;
  std::array<summary_row, N> rows{};
  long long total_params = 0;
  long long trainable_params = 0;
  long long non_trainable_params = 0;
};

/// A tensor a functional model's layer reads, as Keras' summary writes it: "conv2d[0][0]".
using connection_text = static_text<64>;

/// A row of a functional model's summary: up to C tensors in `Connected to`.
template <std::size_t C>
struct graph_summary_row : summary_row {
  std::array<connection_text, C> connected_to{};
  std::size_t connection_count = 0;
};

/// The summary of a functional model: N rows (its InputLayers and layers, in model.layers order).
template <std::size_t N, std::size_t C>
struct graph_model_summary {
  layer_name model_name;
  bool sequential_like = false;  // a chain: printed in the Sequential's three columns
  std::array<graph_summary_row<C>, N> rows{};
  long long total_params = 0;
  long long trainable_params = 0;
  long long non_trainable_params = 0;
};

namespace detail {

/// A functional model (model/functional.hpp): its layers form a graph.
template <class Net>
concept graph_model = requires { typename Net::graph_type; };
/// A model used as a layer (Sequential, Model): Keras gives it a node of its own graph first.
template <class L>
concept model_spec = requires { L::has_input; };

/// What the summary and the plot say of a functional model's graph, computed at compile time: per
/// node (tensor) its layer's name, its application index and its shape's text; per row (Keras'
/// model.layers, InputLayers included) the nodes of the layer.
template <class Net>
struct graph_text {
  static constexpr auto& t = Net::table;
  static constexpr int n = Net::n;
  static constexpr int layer_count = Net::layer_count;
  static constexpr auto& order = Net::graph_type::keras_order;
  static constexpr std::size_t row_count = order.size();

  struct layer_facts {
    std::array<int, (layer_count > 0 ? layer_count : 1)> name_index{};
    std::array<std::string_view, (layer_count > 0 ? layer_count : 1)> class_name{};
    std::array<long long, (layer_count > 0 ? layer_count : 1)> params{};
    std::array<bool, (layer_count > 0 ? layer_count : 1)> nested_model{};
  };
  static constexpr layer_facts layers = [] {
    layer_facts f;
    for_each_index<static_cast<std::size_t>(layer_count)>([&](auto l) {
      using L = type_at_t<l, typename Net::layers>;
      f.name_index[l] = name_index<Net, l>();
      f.class_name[l] = L::keras_class;
      f.params[l] = Net::template layer_type<l>::param_count;
      f.nested_model[l] = model_spec<L>;
    });
    return f;
  }();

  /// Each node's shape as Keras prints a tensor's: "(None, 8)".
  static constexpr std::array<static_text<128>, n> node_shape = [] {
    std::array<static_text<128>, n> out{};
    for_each_index<static_cast<std::size_t>(n)>(
        [&](auto k) { out[k] = batch_shape_text<typename Net::template node_shape<k>>(); });
    return out;
  }();

  /// Each Input node's name: its own (Input<D...>::named<"left">), or input_<its position among the
  /// inputs + 1>.
  static constexpr std::array<layer_name, n> input_names = [] {
    std::array<layer_name, n> out{};
    for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
      using N = type_at_t<k, typename Net::graph_type::nodes>;
      if constexpr (requires { N::name; })
        out[k] = layer_name(N::name);
      else if constexpr (is_input_tensor_v<N>)
        out[k] = make_name("input", Net::model_input[k] + 1);
    });
    return out;
  }();
  /// The name of the layer that makes node k.
  static constexpr layer_name node_layer_name(int k) {
    if (t.is_input[k]) return input_names[k];
    return all_names_v<Net>[layers.name_index[Net::layer_of[k]]];
  }
  /// Which application of its layer node k is (Keras' node_index).
  static constexpr int node_index(int k) {
    int index = 0;
    for (int j = 0; j < k; ++j) index += t.key[j] == t.key[k] ? 1 : 0;
    if (!t.is_input[k] && layers.nested_model[Net::layer_of[k]]) ++index;
    return index;
  }
  /// The nodes of row r's layer, in the order the model runs them.
  struct row_nodes {
    std::array<int, n> nodes{};
    int count = 0;
  };
  static constexpr row_nodes nodes_of_row(std::size_t r) {
    row_nodes out;
    for (int k = 0; k < n; ++k)
      if (t.key[k] == order[r]) out.nodes[out.count++] = k;
    return out;
  }
  static constexpr bool row_is_input(std::size_t r) { return t.is_input[nodes_of_row(r).nodes[0]]; }
  static constexpr layer_name row_name(std::size_t r) { return node_layer_name(nodes_of_row(r).nodes[0]); }
  static constexpr std::string_view row_class(std::size_t r) {
    return row_is_input(r) ? std::string_view("InputLayer") : layers.class_name[Net::layer_of[nodes_of_row(r).nodes[0]]];
  }
  /// Keras' layer.output_shape: an InputLayer's as a list, a layer's when all its applications agree.
  static constexpr static_text<128> row_output_shape(std::size_t r) {
    const row_nodes rn = nodes_of_row(r);
    if (row_is_input(r)) {
      static_text<128> s("[");
      s.append(node_shape[rn.nodes[0]].view()).append("]");
      return s;
    }
    for (int i = 1; i < rn.count; ++i)
      if (node_shape[rn.nodes[i]].view() != node_shape[rn.nodes[0]].view()) return static_text<128>("multiple");
    return node_shape[rn.nodes[0]];
  }

  /// The most tensors one row reads (all applications of its layer together).
  static constexpr std::size_t max_connections = [] {
    std::size_t most = 1;
    for (std::size_t r = 0; r < row_count; ++r) {
      const row_nodes rn = nodes_of_row(r);
      std::size_t c = 0;
      for (int i = 0; i < rn.count; ++i) c += static_cast<std::size_t>(t.input_count[rn.nodes[i]]);
      most = std::max(most, c);
    }
    return most;
  }();

  /// Keras' test for printing a graph as a Sequential: one node per depth, none reading several
  /// tensors, no layer applied twice.
  static constexpr bool sequential_like = [] {
    std::array<int, n> depth{};
    for (auto& d : depth) d = -1;
    std::array<int, n> key_depth{};
    for (auto& d : key_depth) d = -1;
    for (int k = n - 1; k >= 0; --k) {
      int d = std::max({0, depth[k], key_depth[t.key[k]]});
      key_depth[t.key[k]] = d;
      depth[k] = d;
      for (int j = 0; j < t.input_count[k]; ++j) depth[t.inputs[k][j]] = std::max(depth[t.inputs[k][j]], d + 1);
    }
    for (int k = 0; k < n; ++k) {
      if (t.input_count[k] > 1) return false;
      for (int j = 0; j < k; ++j)
        if (depth[j] == depth[k] || t.key[j] == t.key[k]) return false;
    }
    return true;
  }();
};

template <class Net>
constexpr auto graph_summary() {
  using G = graph_text<Net>;
  graph_model_summary<G::row_count, G::max_connections> s;
  s.model_name = all_names_v<Net>[0];
  s.sequential_like = G::sequential_like;
  for (std::size_t r = 0; r < G::row_count; ++r) {
    auto& row = s.rows[r];
    row.name = G::row_name(r);
    row.class_name = G::row_class(r);
    row.output_shape = G::row_output_shape(r);
    const auto rn = G::nodes_of_row(r);
    row.params = G::row_is_input(r) ? 0 : G::layers.params[Net::layer_of[rn.nodes[0]]];
    for (int i = 0; i < rn.count; ++i)
      for (int j = 0; j < G::t.input_count[rn.nodes[i]]; ++j) {
        const int p = G::t.inputs[rn.nodes[i]][j];
        connection_text c(G::node_layer_name(p).view());
        c.append("[").append(G::node_index(p)).append("][0]");
        row.connected_to[row.connection_count++] = c;
      }
  }
  s.total_params = Net::param_count;
  s.non_trainable_params = Net::non_trainable_count;
  s.trainable_params = Net::param_count - Net::non_trainable_count;
  return s;
}

}  // namespace detail

/// The summary of model Net. A Sequential: one row per top-level layer, Input excluded, as Keras
/// prints a Sequential. A functional model: a graph_model_summary (see the header).
template <class Net>
constexpr auto summary() {
  if constexpr (!std::is_void_v<typename Net::diagnosis>) {
    return model_summary<0>{};  // the model reports its error: no rows, and no second error
  } else if constexpr (detail::graph_model<Net>) {
    return detail::graph_summary<Net>();
  } else {
    static_assert(Net::has_input, "tshape: summary needs a model whose first argument is Input<...>");
    using L = typename Net::layers;
    constexpr const auto& names = detail::all_names_v<Net>;
    model_summary<detail::list_size<L>> s;
    s.model_name = names[0];
    detail::for_each_index<detail::list_size<L>>([&](auto i) {
      s.rows[i] = summary_row{names[detail::name_index<Net, i>()], detail::type_at_t<i, L>::keras_class,
                              batch_shape_text<typename Net::template shape_at<i + 1>>(),
                              Net::template layer_type<i>::param_count};
    });
    s.total_params = Net::param_count;
    s.non_trainable_params = Net::non_trainable_count;
    s.trainable_params = Net::param_count - Net::non_trainable_count;
    return s;
  }
}

namespace detail {
/// 1234567 -> "1,234,567", as Keras prints totals.
constexpr static_text<32> thousands(long long v) {
  static_text<32> digits;
  digits.append(v < 0 ? -v : v);
  static_text<32> out(v < 0 ? "-" : "");
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.append(",");
    out.append(std::string_view(&digits.chars[i], 1));
  }
  return out;
}

/// One row of Keras' table (print_row): each field cut at its column's stop and padded to it, the
/// character before each further field made a space.
template <std::size_t N>
constexpr static_text<128> table_row(const std::array<std::string_view, N>& fields,
                                     const std::array<std::size_t, N>& stops) {
  static_text<128> line;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) {
      if (line.length == 0)
        line.append(" ");
      else
        line.chars[line.length - 1] = ' ';
    }
    line.append(fields[i]);
    if (line.length > stops[i]) {
      line.length = stops[i];
      line.chars[line.length] = '\0';
    }
    while (line.length < stops[i]) line.append(" ");
  }
  return line;
}
/// A row of the three-column table (a Sequential, or a graph that is a chain): stops at 29, 55, 65.
constexpr static_text<128> table_row(std::string_view a, std::string_view b, std::string_view c) {
  return table_row<3>({a, b, c}, {29, 55, 65});
}
/// A row of the four-column table of a graph: stops at int(98 * [.33, .55, .67, 1]).
constexpr static_text<128> table_row(std::string_view a, std::string_view b, std::string_view c, std::string_view d) {
  return table_row<4>({a, b, c, d}, {32, 53, 65, 98});
}

/// "dense_1 (Dense)"
template <class Row>
constexpr static_text<128> layer_column(const Row& row) {
  static_text<128> name(row.name.view());
  name.append(" (").append(row.class_name).append(")");
  return name;
}
}  // namespace detail

#ifndef TSHAPE_NO_HEAP
namespace detail {
template <class S>
void print_totals(std::ostream& os, const S& s, std::string_view rule_line) {
  os << "Total params: " << thousands(s.total_params).view() << '\n';
  os << "Trainable params: " << thousands(s.trainable_params).view() << '\n';
  os << "Non-trainable params: " << thousands(s.non_trainable_params).view() << '\n';
  os << rule_line << '\n';
}

/// A functional model's table: four columns, or three when Keras would take it for a Sequential.
template <std::size_t N, std::size_t C>
void print_graph_summary(std::ostream& os, const graph_model_summary<N, C>& s) {
  const bool chain = s.sequential_like;
  const std::string rule_line(chain ? 65 : 98, '_');
  const std::string double_line(chain ? 65 : 98, '=');
  os << "Model: \"" << s.model_name.view() << "\"\n" << rule_line << '\n';
  os << (chain ? table_row("Layer (type)", "Output Shape", "Param #")
               : table_row("Layer (type)", "Output Shape", "Param #", "Connected to"))
            .view()
     << '\n'
     << double_line << '\n';
  for (std::size_t i = 0; i < N; ++i) {
    const auto& row = s.rows[i];
    static_text<24> params;
    params.append(row.params);
    const auto name = layer_column(row);
    if (chain) {
      os << table_row(name.view(), row.output_shape.view(), params.view()).view() << '\n';
    } else {
      const std::string_view first = row.connection_count > 0 ? row.connected_to[0].view() : std::string_view();
      os << table_row(name.view(), row.output_shape.view(), params.view(), first).view() << '\n';
      for (std::size_t c = 1; c < row.connection_count; ++c)
        os << table_row("", "", "", row.connected_to[c].view()).view() << '\n';
    }
    os << (i + 1 < N ? rule_line : double_line) << '\n';
  }
  print_totals(os, s, rule_line);
}
}  // namespace detail

/// Prints Keras' classic summary table of Net: 65 columns for a Sequential; for a functional model,
/// 98 with `Connected to` (see the header).
template <class Net>
void print_summary(std::ostream& os = std::cout) {
  if constexpr (!std::is_void_v<typename Net::diagnosis>) {
    return;  // the model reports its error; nothing more to say
  } else if constexpr (constexpr auto s = summary<Net>(); detail::graph_model<Net>) {
    detail::print_graph_summary(os, s);
  } else {
    const std::string_view rule_line = "_________________________________________________________________";
    const std::string_view double_line = "=================================================================";
    os << "Model: \"" << s.model_name.view() << "\"\n" << rule_line << '\n';
    os << detail::table_row("Layer (type)", "Output Shape", "Param #").view() << '\n' << double_line << '\n';
    for (std::size_t i = 0; i < s.rows.size(); ++i) {
      static_text<24> params;
      params.append(s.rows[i].params);
      os << detail::table_row(detail::layer_column(s.rows[i]).view(), s.rows[i].output_shape.view(), params.view()).view()
         << '\n';
      os << (i + 1 < s.rows.size() ? rule_line : double_line) << '\n';
    }
    detail::print_totals(os, s, rule_line);
  }
}
#endif

}  // namespace tshape
