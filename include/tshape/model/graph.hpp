// The compile-time graph of a functional model: its tensors (nodes), their order, their shapes.
//
// A tensor of a functional model is a type: Input<D...> (a model input), or Node<Spec, In...>, the
// output of layer Spec applied to the tensors In... . Two tensors of the same type are the same
// tensor: a layer spec applied to the same tensors twice is one computation, as a pure function
// would be. A layer with an identity of its own is Shared<Tag, Spec>: all its applications are one
// layer with one set of weights (Keras' shared layers), and two of different tags are two layers.
//
// The order of the layers is Keras' (functional.py, _map_graph_network): a depth-first walk from
// the outputs gives each layer its discovery index and the nodes in post order; depths grow from
// the outputs (0) to the inputs; layers go by decreasing depth, then by discovery. That is the order
// of model.layers, so of get_weights() and of the summary, and weights interoperate with Keras.
#pragma once
#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "../diagnostics/error.hpp"
#include "../layers/input.hpp"
#include "../layers/layer.hpp"
#include "../layers/node.hpp"
#include "../shape/shape.hpp"
#include "naming.hpp"

namespace tshape {

/// A layer with an identity: every application of Shared<Tag, Spec> is the same layer, with one set of
/// weights (Keras' shared layer); another Tag is another layer, even on the same input. Tag is any
/// type the user declares: `struct encoder; constexpr Shared<encoder, Dense<64, ReLU>> enc;`.
namespace detail {
/// What Shared<Tag, Spec> derives from: Spec, or a stand-in when Spec is not a class (Shared<tag, int>),
/// so that the model reports it as not a layer, one error, rather than the compiler as a bad base.
template <class Spec>
struct not_a_class {};
template <class Spec>
using shared_base_t = std::conditional_t<std::is_class_v<Spec>, Spec, not_a_class<Spec>>;
}  // namespace detail

template <class Tag, class Spec>
struct Shared : detail::shared_base_t<Spec> {
  using shared_spec = Spec;
  template <class... In>
    requires(sizeof...(In) > 0 && (detail::is_symbolic_v<In> && ...))
  constexpr Node<Shared, In...> operator()(const In&...) const {
    return {};
  }
};

namespace detail {

template <class N>
struct node_parts {  // an Input
  using spec = N;
  using inputs = type_list<>;
};
template <class Spec, class... In>
struct node_parts<Node<Spec, In...>> {
  using spec = Spec;
  using inputs = type_list<In...>;
};

/// The layer a node belongs to: its Shared<Tag, Spec>, or the node itself.
template <class N>
struct layer_key {
  using type = N;
};
template <class Tag, class Spec, class... In>
struct layer_key<Node<Shared<Tag, Spec>, In...>> {
  using type = Shared<Tag, Spec>;
};
template <class N>
using layer_key_t = typename layer_key<N>::type;

template <class T, class List>
struct index_in;
template <class T, class... L>
struct index_in<T, type_list<L...>> {
  static constexpr int value = [] {
    int i = 0, found = -1;
    ((found < 0 && std::is_same_v<T, L> ? found = i : 0, ++i), ...);
    return found;
  }();
};
/// The position of T in a type_list, or -1.
template <class T, class List>
inline constexpr int index_in_v = index_in<T, List>::value;

template <class List, class T>
struct append;
template <class... L, class T>
struct append<type_list<L...>, T> {
  using type = type_list<L..., T>;
};

// Post order: a node after the nodes it reads (Keras' nodes_in_decreasing_depth).
template <class Visited, class N>
struct post_order;
template <class Visited, class Inputs>
struct post_order_all {
  using type = Visited;
};
template <class Visited, class First, class... Rest>
struct post_order_all<Visited, type_list<First, Rest...>> {
  using type = typename post_order_all<typename post_order<Visited, First>::type, type_list<Rest...>>::type;
};
// The inputs are walked only for a node not visited yet (a conditional_t of both branches would walk
// them every time: exponential in the skip connections of a residual stack).
template <class Visited, class N>
struct post_order_new {
  using type = typename append<typename post_order_all<Visited, typename node_parts<N>::inputs>::type, N>::type;
};
template <class Visited, class N>
struct post_order {
  using type = typename std::conditional_t<(index_in_v<N, Visited> >= 0), std::type_identity<Visited>,
                                           post_order_new<Visited, N>>::type;
};

// Pre order: a node before the nodes it reads (Keras' layer_indices, in the order layers are met).
template <class Visited, class N>
struct pre_order;
template <class Visited, class Inputs>
struct pre_order_all {
  using type = Visited;
};
template <class Visited, class First, class... Rest>
struct pre_order_all<Visited, type_list<First, Rest...>> {
  using type = typename pre_order_all<typename pre_order<Visited, First>::type, type_list<Rest...>>::type;
};
template <class Visited, class N>
struct pre_order_new {
  using type = typename pre_order_all<typename append<Visited, N>::type, typename node_parts<N>::inputs>::type;
};
template <class Visited, class N>
struct pre_order {
  using type = typename std::conditional_t<(index_in_v<N, Visited> >= 0), std::type_identity<Visited>,
                                           pre_order_new<Visited, N>>::type;
};

/// The distinct elements of a list, first occurrences kept in order.
template <class Out, class In>
struct unique;
template <class Out>
struct unique<Out, type_list<>> {
  using type = Out;
};
template <class Out, class First, class... Rest>
struct unique<Out, type_list<First, Rest...>> {
  using type = typename unique<std::conditional_t<(index_in_v<First, Out> >= 0), Out, typename append<Out, First>::type>,
                               type_list<Rest...>>::type;
};

template <class List>
struct keys_of;
template <class... N>
struct keys_of<type_list<N...>> {
  using type = type_list<layer_key_t<N>...>;
};

/// The graph from the outputs Outs... back to whatever inputs they read.
template <class... Outs>
struct graph {
  using nodes = typename post_order_all<type_list<>, type_list<Outs...>>::type;  // topological order
  static constexpr int n = static_cast<int>(list_size<nodes>);
  /// Layers in the order they are met from the outputs (Keras' layer_indices).
  using keys = typename unique<type_list<>, typename keys_of<typename pre_order_all<type_list<>, type_list<Outs...>>::type>::type>::type;
  static constexpr int layer_count = static_cast<int>(list_size<keys>);

  static constexpr int max_inputs = [] {
    int most = 1;
    for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
      most = std::max(most, static_cast<int>(list_size<typename node_parts<type_at_t<k, nodes>>::inputs>));
    });
    return most;
  }();

  struct table {
    std::array<std::array<int, max_inputs>, n> inputs{};  // node indices each node reads
    std::array<int, n> input_count{};
    std::array<int, n> key{};                             // index into keys
    std::array<bool, n> is_input{};
  };
  static constexpr table make_table() {
    table t;
    for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
      using N = type_at_t<k, nodes>;
      t.key[k] = index_in_v<layer_key_t<N>, keys>;
      t.is_input[k] = is_input_tensor_v<N>;
      int j = 0;
      [&]<class... In>(type_list<In...>) {
        ((t.inputs[k][j++] = index_in_v<In, nodes>), ...);
      }(typename node_parts<N>::inputs{});
      t.input_count[k] = j;
    });
    return t;
  }
  static constexpr table nodes_table = make_table();

  /// Keras' order of the layers: by decreasing depth, then by discovery. Holds indices into keys.
  static constexpr std::array<int, layer_count> keras_order = [] {
    std::array<int, n> node_depth{};
    std::array<int, layer_count> layer_depth{};
    for (auto& d : node_depth) d = -1;
    for (auto& d : layer_depth) d = -1;
    for (int k = n - 1; k >= 0; --k) {
      const int l = nodes_table.key[k];
      int depth = node_depth[k] < 0 ? 0 : node_depth[k];
      depth = std::max(depth, layer_depth[l] < 0 ? 0 : layer_depth[l]);
      layer_depth[l] = depth;
      node_depth[k] = depth;
      for (int j = 0; j < nodes_table.input_count[k]; ++j) {
        const int p = nodes_table.inputs[k][j];
        node_depth[p] = std::max(depth + 1, node_depth[p] < 0 ? 0 : node_depth[p]);
      }
    }
    std::array<int, layer_count> order{};
    for (int i = 0; i < layer_count; ++i) order[i] = i;
    // Stable: by depth, deepest first; discovery order among equals.
    for (int i = 1; i < layer_count; ++i)
      for (int j = i; j > 0 && layer_depth[order[j - 1]] < layer_depth[order[j]]; --j) std::swap(order[j - 1], order[j]);
    return order;
  }();
};

}  // namespace detail
}  // namespace tshape
