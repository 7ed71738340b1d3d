// Keras' functional API: models whose layers form a graph (branches, merges, several inputs and
// outputs, shared layers), checked when the program compiles.
//
//   constexpr auto image = Input<32, 32, 3>{};
//   constexpr auto x = Conv2D<16, Kernel<3, 3>, Padding::same, ReLU>{}(image);
//   constexpr auto y = Conv2D<16, Kernel<3, 3>, Padding::same>{}(x);
//   constexpr auto out = Dense<10, Softmax>{}(GlobalAveragePooling2D{}(ReLU{}(Add{}(x, y))));
//   using Net = decltype(model(image, out));         // several: model(inputs(a, b), outputs(c, d))
//   auto net = make_model<Net>();
//
// A tensor is a type (model/graph.hpp says what makes two tensors one). The model's layers are in
// Keras' order (model.layers), so weights(net), load_weights and the summary match a Keras model
// built the same way; layer<I>(net) counts in that order, Inputs excluded.
//
// Shapes are propagated along the graph when the type is named; a layer that cannot take what it is
// given is reported once, at model(...) (or where a Model<Inputs<...>, Outputs<...>> spelled as a type
// is first used), with the layer's position, the layer, what it expected and what it got (a merge:
// every input's shape and the layers that produced them). So is an output that
// depends on an Input the model is not given, an Input no output uses, a shared layer applied to
// tensors of different shapes, and a call with the wrong number of tensors.
//
// Memory. The forward arena reuses buffers: a tensor's buffer is free once the last layer that reads
// it has run, and the next tensor takes the lowest free offset that fits it (first fit, in the order
// the layers run). arena_floats(batch) is the most that is alive at once plus the largest scratch of
// a layer, computed at compile time for a static batch. Training keeps every tensor, and a gradient
// buffer for each, as backward needs them.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>

#include "../config.hpp"
#include "../diagnostics/error.hpp"
#include "../diagnostics/report.hpp"
#include "../diagnostics/runtime.hpp"
#include "../diagnostics/shape_rules.hpp"
#include "../layers/input.hpp"
#include "../layers/layer.hpp"
#include "../tensor/tensor.hpp"
#include "chain.hpp"
#include "graph.hpp"
#include "sequential.hpp"

namespace tshape {

template <class... T>
struct Inputs {};
template <class... T>
struct Outputs {};
/// The inputs of a model with several: model(inputs(image, meta), outputs(...)).
template <class... T>
  requires(detail::is_input_tensor_v<T> && ...)
constexpr Inputs<T...> inputs(const T&...) {
  return {};
}
/// The outputs of a model with several.
template <class... T>
  requires(detail::is_symbolic_v<T> && ...)
constexpr Outputs<T...> outputs(const T&...) {
  return {};
}

namespace detail {
template <class T>
inline constexpr bool is_inputs_v = false;
template <class... T>
inline constexpr bool is_inputs_v<Inputs<T...>> = true;
template <class T>
inline constexpr bool is_outputs_v = false;
template <class... T>
inline constexpr bool is_outputs_v<Outputs<T...>> = true;
/// model(...)'s arguments as Inputs<...> and Outputs<...>: one tensor is a list of one.
template <class T>
struct as_inputs { using type = Inputs<T>; };
template <class... T>
struct as_inputs<Inputs<T...>> { using type = Inputs<T...>; };
template <class T>
using as_inputs_t = typename as_inputs<T>::type;
template <class T>
struct as_outputs { using type = Outputs<T>; };
template <class... T>
struct as_outputs<Outputs<T...>> { using type = Outputs<T...>; };
template <class T>
using as_outputs_t = typename as_outputs<T>::type;

/// The third argument of a Model whose rule model(...) has reported: the class then stays quiet, so
/// that a program going on to use the model gets no second error.
struct rule_reported {};
}  // namespace detail

template <class In, class Out, class... Reported>
class Model;

namespace detail {

/// A graph failure before it is placed: node K's rule gave the mismatch M.
template <int K, class M>
struct node_failure {};

// Token ids in a graph (layers/layer.hpp): an Input that a layer of token ids reads (an Embedding) is
// int32 data, read by such layers only; every other tensor is float.

/// Whether graph node N reads tensor X as token ids.
template <class X, class N>
struct reads_ids : std::false_type {};
template <class X, class Spec, class... In>
struct reads_ids<X, Node<Spec, In...>> : std::bool_constant<takes_token_ids_of<Spec>() && (std::is_same_v<X, In> || ...)> {};
/// The input_dim of the id layer that node N is, when it reads X (a large number otherwise).
template <class X, class N>
struct ids_limit {
  static constexpr int value = 1 << 30;
};
template <class X, class Spec, class... In>
struct ids_limit<X, Node<Spec, In...>> {
  static constexpr int value = [] {
    if constexpr (reads_ids<X, Node<Spec, In...>>::value && requires { Spec::input_dim; })
      return static_cast<int>(Spec::input_dim);
    else
      return 1 << 30;
  }();
};
/// Whether a layer among Nodes reads tensor X (an Input) as token ids, and the smallest input_dim of
/// those that do (0: none, or none whose input_dim is known here; each still checks its own).
template <class X, class Nodes>
struct read_as_ids;
template <class X, class... N>
struct read_as_ids<X, type_list<N...>> {
  static constexpr bool value = (reads_ids<X, N>::value || ...);
  static constexpr int limit = [] {
    const int most = std::min({1 << 30, ids_limit<X, N>::value...});
    return most == (1 << 30) ? 0 : most;
  }();
};

/// Whether a graph has a layer of token ids at all: without one no tensor is read as ids, and the
/// per-tensor question (every node against every node) is not asked.
template <class Nodes>
struct has_id_layers;
template <class... N>
struct has_id_layers<type_list<N...>> {
  static constexpr bool value = (takes_token_ids_of<typename node_parts<N>::spec>() || ...);
};
template <class Nodes, class... In>
constexpr bool any_read_as_ids() {
  if constexpr (has_id_layers<Nodes>::value)
    return (read_as_ids<In, Nodes>::value || ...);
  else
    return false;
}

template <class Spec, class... S>
constexpr auto infer_node() {
  if constexpr (requires { Spec::is_merge; })
    return Spec::infer_merge(S{}...);
  else if constexpr (sizeof...(S) == 1 && !requires { Spec::infer(S{}...); })
    return mismatch<error::NOT_A_LAYER>{};
  else if constexpr (sizeof...(S) == 1)
    return Spec::infer(S{}...);
  else
    return mismatch<error::WRONG_TENSOR_COUNT, error::model_inputs<1>, error::but_called_with<sizeof...(S)>>{};
}

// The shapes of the nodes, in topological order, or the first node_failure.
template <class Nodes, class Shapes, std::size_t K, std::size_t N>
struct infer_nodes {
  using type = Shapes;
};
template <class Nodes, class... S, std::size_t K, std::size_t N>
  requires(K < N)
struct infer_nodes<Nodes, type_list<S...>, K, N> {
  using node = type_at_t<K, Nodes>;
  template <class... In>
  static constexpr auto rule(type_list<In...>) {
    if constexpr (is_input_tensor_v<node>) {
      if constexpr (!positive_extents<typename node::shape>)  // not made: Shape<-2> is no type
        return mismatch<error::INPUT_NOT_STATIC, error::at_model_input,
                        typename input_extents_of<typename node::shape>::type>{};
      else
        return typename node::shape{};
    } else if constexpr (takes_token_ids_of<typename node_parts<node>::spec>() && !(is_input_tensor_v<In> && ...)) {
      return mismatch<error::TOKEN_IDS_NOT_INTEGER, error::fed_floats_by_the_layer_before_it>{};
    } else if constexpr (!takes_token_ids_of<typename node_parts<node>::spec>() && any_read_as_ids<Nodes, In...>()) {
      return mismatch<error::TOKEN_IDS_NOT_INTEGER, error::reads_the_token_ids_an_embedding_reads>{};
    } else {
      return infer_node<typename node_parts<node>::spec,
                        type_at_t<static_cast<std::size_t>(index_in_v<In, Nodes>), type_list<S...>>...>();
    }
  }
  using result = decltype(rule(typename node_parts<node>::inputs{}));
  using type = typename std::conditional_t<is_shape_v<result>,
                                           infer_nodes<Nodes, type_list<S..., result>, K + 1, N>,
                                           std::type_identity<node_failure<static_cast<int>(K), result>>>::type;
};

template <class T>
struct is_node_failure : std::false_type {};
template <int K, class M>
struct is_node_failure<node_failure<K, M>> : std::true_type {};

template <class I, class O>
class graph_body;

}  // namespace detail

namespace detail {

/// Whether key K of a graph's keys is an Input.
template <class Keys>
struct key_info;
template <class... K>
struct key_info<type_list<K...>> {
  static constexpr std::array<bool, sizeof...(K)> is_input{is_input_tensor_v<K>...};
};

// The spec of a layer key: Shared<Tag, Spec> as it is, a node's spec otherwise.
template <class Key>
struct spec_of {
  using type = typename node_parts<Key>::spec;
};
template <class Tag, class Spec>
struct spec_of<Shared<Tag, Spec>> {
  using type = Shared<Tag, Spec>;
};

template <class... I, class... O>
class graph_body<type_list<I...>, type_list<O...>> {
 public:
  using graph_type = graph<O...>;
  using nodes = typename graph_type::nodes;
  static constexpr int n = graph_type::n;
  static constexpr auto& table = graph_type::nodes_table;

 private:
  using shape_result = typename infer_nodes<nodes, type_list<>, 0, static_cast<std::size_t>(n)>::type;
  static constexpr bool shapes_ok = !is_node_failure<shape_result>::value;
  using keys = typename graph_type::keys;
  static constexpr auto& key_is_input = key_info<keys>::is_input;
  static constexpr int input_layers = [] {
    int c = 0;
    for (int k : graph_type::keras_order) c += key_is_input[k] ? 1 : 0;
    return c;
  }();

 public:
  static constexpr int layer_count = graph_type::layer_count - input_layers;
  static constexpr bool outline = layer_count > static_cast<int>(outline_above);  // layer.hpp says why
  /// keys index of layer I (Keras' order, Inputs excluded).
  static constexpr std::array<int, layer_count> layer_keys = [] {
    std::array<int, layer_count> out{};
    int j = 0;
    for (int k : graph_type::keras_order)
      if (!key_is_input[k]) out[j++] = k;
    return out;
  }();
  /// The Inputs in Keras' order (the summary's InputLayer rows): keys indices.
  static constexpr std::array<int, input_layers> input_keys = [] {
    std::array<int, input_layers> out{};
    int j = 0;
    for (int k : graph_type::keras_order)
      if (key_is_input[k]) out[j++] = k;
    return out;
  }();

 private:
  template <std::size_t L>
  using key_type = type_at_t<static_cast<std::size_t>(layer_keys[L]), keys>;
  template <class Ls>
  struct specs_list;
  template <std::size_t... Ls>
  struct specs_list<std::index_sequence<Ls...>> {
    using type = type_list<typename spec_of<key_type<Ls>>::type...>;
  };

 public:
  /// The layers' specs in Keras' order (what layer<I> counts, and names come from).
  using layers = typename specs_list<std::make_index_sequence<static_cast<std::size_t>(layer_count)>>::type;

  /// The first node of each layer (for a shared layer, its first application), and the layer of each node.
  static constexpr std::array<int, layer_count> first_node = [] {
    std::array<int, layer_count> out{};
    for (int l = 0; l < layer_count; ++l) {
      out[l] = -1;
      for (int k = n - 1; k >= 0; --k)
        if (table.key[k] == layer_keys[l]) out[l] = k;
    }
    return out;
  }();
  static constexpr std::array<int, n> layer_of = [] {
    std::array<int, n> out{};
    for (int k = 0; k < n; ++k) {
      out[k] = -1;
      for (int l = 0; l < layer_count; ++l)
        if (table.key[k] == layer_keys[l]) out[k] = l;
    }
    return out;
  }();
  static constexpr std::array<int, n> model_input = [] {
    std::array<int, n> out{};
    for_each_index<static_cast<std::size_t>(n)>([&](auto k) { out[k] = index_in_v<type_at_t<k, nodes>, type_list<I...>>; });
    return out;
  }();
  static constexpr std::array<int, n> model_output = [] {
    std::array<int, n> out{};
    for_each_index<static_cast<std::size_t>(n)>([&](auto k) { out[k] = index_in_v<type_at_t<k, nodes>, type_list<O...>>; });
    return out;
  }();
  /// The last node (in running order) that reads node k; -1 when none does.
  static constexpr std::array<int, n> last_use = [] {
    std::array<int, n> out{};
    for (auto& v : out) v = -1;
    for (int k = 0; k < n; ++k)
      for (int j = 0; j < table.input_count[k]; ++j) out[table.inputs[k][j]] = k;
    return out;
  }();

 private:
  template <class T>
  struct shape_traits {
    template <std::size_t K>
    using shape = Shape<>;
  };
  template <class... S>
  struct shape_traits<type_list<S...>> {
    template <std::size_t K>
    using shape = type_at_t<K, type_list<S...>>;
  };

 public:
  /// One sample's shape of node K.
  template <std::size_t K>
  using node_shape = typename shape_traits<shape_result>::template shape<K>;
  template <class In>
  struct input_shapes_of;
  template <class... In>
  struct input_shapes_of<type_list<In...>> {
    using type = type_list<node_shape<static_cast<std::size_t>(index_in_v<In, nodes>)>...>;
  };
  /// The per-sample shapes of node K's inputs.
  template <std::size_t K>
  using input_shapes = typename input_shapes_of<typename node_parts<type_at_t<K, nodes>>::inputs>::type;

 private:
  // ---- The diagnosis --------------------------------------------------------------------------------
  // A node failure placed at its layer, with a merge's inputs and the layers that produced them.
  template <class F>
  struct place_failure {
    using type = void;
  };
  template <int K, template <class...> class Kind, class... D>
  struct place_failure<node_failure<K, mismatch<Kind, D...>>> {
    using N = type_at_t<static_cast<std::size_t>(K), nodes>;
    template <class... In>
    static auto producers(type_list<In...>) -> error::inputs_from<typename node_parts<In>::spec...>;
    using spec = typename node_parts<N>::spec;
    using from = decltype(producers(typename node_parts<N>::inputs{}));
    using type = std::conditional_t<requires { spec::is_merge; }, Kind<error::at_layer<layer_of[K]>, spec, D..., from>,
                                    Kind<error::at_layer<layer_of[K]>, spec, D...>>;
  };

  template <std::size_t... K>
  static constexpr int first_unknown_input(std::index_sequence<K...>) {
    int f = -1;
    ((f < 0 && is_input_tensor_v<type_at_t<K, nodes>> && index_in_v<type_at_t<K, nodes>, type_list<I...>> < 0
          ? f = static_cast<int>(K)
          : 0),
     ...);
    return f;
  }
  static constexpr int unknown_input = first_unknown_input(std::make_index_sequence<static_cast<std::size_t>(n)>{});
  static constexpr int unused_input = [] {
    int f = -1, i = 0;
    ((f < 0 && index_in_v<I, nodes> < 0 ? f = i : 0, ++i), ...);
    return f;
  }();
  // An Input given twice (two unnamed Inputs of one shape are one type): the second's position, or -1.
  static constexpr int repeated_input = [] {
    int f = -1, i = 0;
    ((f < 0 && index_in_v<I, type_list<I...>> != i ? f = i : 0, ++i), ...);
    return f;
  }();
  // An Input with an extent that is dyn or not positive: its position, or -1.
  static constexpr int unsized_input = [] {
    int f = -1, i = 0;
    ((f < 0 && !positive_extents<typename I::shape> ? f = i : 0, ++i), ...);
    return f;
  }();
  using name_diagnosis = typename input_name_rule<I...>::type;
  static constexpr auto connection_rule() {
    if constexpr (!std::is_void_v<name_diagnosis>)
      return std::type_identity<name_diagnosis>{};
    else if constexpr (unsized_input >= 0)
      return std::type_identity<error::INPUT_NOT_STATIC<
          error::at_model_input, typename input_extents_of<typename type_at_t<unsized_input, type_list<I...>>::shape>::type>>{};
    else if constexpr (repeated_input >= 0)
      return std::type_identity<error::INPUT_REPEATED<
          error::at_model_input, error::repeated_input<repeated_input, type_at_t<repeated_input, type_list<I...>>>>>{};
    else if constexpr (unknown_input >= 0)
      return std::type_identity<error::GRAPH_DISCONNECTED<error::unknown_input<type_at_t<unknown_input, nodes>>>>{};
    else if constexpr (unused_input >= 0)
      return std::type_identity<error::INPUT_NOT_USED<error::unused_input<type_at_t<unused_input, type_list<I...>>>>>{};
    else
      return std::type_identity<void>{};
  }
  using connection_diagnosis = typename decltype(connection_rule())::type;

  // A shared layer applied to inputs of different shapes: the first such node, or -1.
  static constexpr int bad_shared = [] {
    int f = -1;
    if constexpr (shapes_ok)
      for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
        if constexpr (!is_input_tensor_v<type_at_t<k, nodes>>) {
          constexpr int first = first_node[layer_of[k]];
          if constexpr (first != static_cast<int>(k)) {
            if (f < 0 && !std::is_same_v<input_shapes<static_cast<std::size_t>(first)>, input_shapes<k>>)
              f = static_cast<int>(k);
          }
        }
      });
    return f;
  }();
  static constexpr auto shared_rule() {
    if constexpr (bad_shared < 0) {
      return std::type_identity<void>{};
    } else {
      constexpr int first = first_node[layer_of[bad_shared]];
      using A = type_at_t<0, input_shapes<static_cast<std::size_t>(first)>>;
      using B = type_at_t<0, input_shapes<static_cast<std::size_t>(bad_shared)>>;
      return std::type_identity<error::SHARED_LAYER_MISMATCH<
          error::at_layer<layer_of[bad_shared]>, typename node_parts<type_at_t<bad_shared, nodes>>::spec,
          typename error::detail::got_shape<A, dyn>::first_applied, typename error::detail::got_shape<B, dyn>::then_applied>>{};
    }
  }

 public:
  static constexpr bool ok = shapes_ok;
  /// void, or the one error the model reports.
  using diagnosis = typename std::conditional_t<
      !std::is_void_v<connection_diagnosis>, std::type_identity<connection_diagnosis>,
      std::conditional_t<!shapes_ok, place_failure<shape_result>, decltype(shared_rule())>>::type;
  static constexpr bool valid = std::is_void_v<diagnosis>;

 private:
  template <std::size_t L, class Shapes>
  struct bind_layer;
  template <std::size_t L, class... S>
  struct bind_layer<L, type_list<S...>> {
    using type = typename type_at_t<L, layers>::template bind<S...>;
  };
  template <class Ls>
  struct bound_layers {
    using type = boost::hana::tuple<>;
  };
  template <std::size_t... Ls>
  struct bound_layers<std::index_sequence<Ls...>> {
    using type = boost::hana::tuple<
        typename bind_layer<Ls, input_shapes<static_cast<std::size_t>(first_node[Ls])>>::type...>;
  };
  using storage = typename std::conditional_t<
      valid, bound_layers<std::make_index_sequence<static_cast<std::size_t>(layer_count)>>,
      std::type_identity<boost::hana::tuple<>>>::type;

 public:
  template <std::size_t L>
  using layer_type = std::remove_cvref_t<decltype(boost::hana::at_c<L>(std::declval<storage&>()))>;
  template <std::size_t L>
  constexpr layer_type<L>& layer() {
    return boost::hana::at_c<L>(layers_);
  }
  template <std::size_t L>
  constexpr const layer_type<L>& layer() const {
    return boost::hana::at_c<L>(layers_);
  }

  static constexpr int input_count = sizeof...(I);
  static constexpr int output_count = sizeof...(O);
  /// One sample's shape of model input J and output J.
  template <std::size_t J>
  using input_shape_at = typename type_at_t<J, type_list<I...>>::shape;
  template <std::size_t J>
  using output_shape_at = std::conditional_t<valid, node_shape<static_cast<std::size_t>(index_in_v<type_at_t<J, type_list<O...>>, nodes>)>, Shape<>>;
  using input_shape = input_shape_at<0>;
  using output_shape = output_shape_at<0>;

  static constexpr long long param_count = [] {
    long long total = 0;
    if constexpr (valid) for_each_index<static_cast<std::size_t>(layer_count)>([&](auto l) { total += layer_type<l>::param_count; });
    return total;
  }();
  static constexpr long long non_trainable_count = [] {
    long long total = 0;
    if constexpr (valid)
      for_each_index<static_cast<std::size_t>(layer_count)>([&](auto l) { total += layer_type<l>::non_trainable_count; });
    return total;
  }();
  static constexpr long long trainable_count = param_count - non_trainable_count;

  // ---- Memory ---------------------------------------------------------------------------------------
  // Runtime walks over the sizes are loops over tables (a node's sample size; a layer's size functions,
  // chain.hpp's layer_sizes), not a lambda per node.
  template <std::size_t... K>
  static constexpr std::array<std::size_t, n> sample_floats_table(std::index_sequence<K...>) {
    return {static_cast<std::size_t>(sample_size<node_shape<K>>)...};
  }
  static constexpr std::array<std::size_t, n> sample_floats = sample_floats_table(std::make_index_sequence<static_cast<std::size_t>(n)>{});
  using sizes = layer_sizes<storage>;
  static constexpr std::size_t node_floats(int k, int batch) {
    return round_floats(sample_floats[static_cast<std::size_t>(k)] * static_cast<std::size_t>(batch));
  }
  /// Whether node K lives in the arena (not an input, not an output: those are the caller's).
  static constexpr bool in_arena(int k) { return !table.is_input[k] && model_output[k] < 0; }

  struct plan_type {
    std::array<std::size_t, n> offset{};
    std::size_t activations = 0;  // the high-water mark of the tensors alive at once
    std::size_t scratch = 0;      // the largest scratch of a layer
  };
  /// Where each tensor of a forward pass on `batch` samples sits in the arena (see the header).
  /// First fit: each tensor goes to the lowest offset where no live tensor overlaps it. The live
  /// tensors are kept sorted by offset, so that offset is the first gap that holds it (or the end of
  /// the last): a pass over the few live tensors per node, since a forward call plans its batch.
  static constexpr plan_type plan(int batch) {
    plan_type p;
    std::array<int, n> by_offset{};  // the live arena tensors, lowest offset first
    int live = 0;
    for (int k = 0; k < n; ++k) {
      int kept = 0;
      for (int i = 0; i < live; ++i)
        if (last_use[by_offset[i]] >= k) by_offset[kept++] = by_offset[i];
      live = kept;
      if (!in_arena(k)) continue;
      const std::size_t need = node_floats(k, batch);
      std::size_t at = 0;
      int slot = 0;
      for (; slot < live; ++slot) {
        const int j = by_offset[slot];
        if (p.offset[j] >= at + need) break;
        at = p.offset[j] + node_floats(j, batch);
      }
      for (int i = live; i > slot; --i) by_offset[i] = by_offset[i - 1];
      by_offset[slot] = k;
      ++live;
      p.offset[k] = at;
      p.activations = std::max(p.activations, at + need);
    }
    if constexpr (valid)
      for (const size_fn f : sizes::scratch) p.scratch = std::max(p.scratch, round_floats(f(batch)));
    return p;
  }
  /// Floats of a forward pass's arena on `batch` samples, besides the inputs and outputs.
  static constexpr std::size_t arena_floats(int batch) {
    const auto p = plan(batch);
    return p.activations + p.scratch;
  }
  /// What the same tensors would take without reuse: the sum of every intermediate tensor.
  static constexpr std::size_t unshared_activation_floats(int batch) {
    std::size_t total = 0;
    if constexpr (valid)
      for (int k = 0; k < n; ++k)
        if (in_arena(k)) total += node_floats(k, batch);
    return total;
  }
  static constexpr std::size_t scratch_floats(int batch) { return arena_floats(batch); }

  // ---- Forward ---------------------------------------------------------------------------------------
  /// ys[j] = output j of the model on the inputs xs, for `batch` samples; `arena` has arena_floats(batch).
  void forward(const float* const* xs, float* const* ys, int batch, float* arena) const {
    if constexpr (valid) {
      const plan_type p = plan(batch);
      const wiring w{xs, ys, arena, p.offset.data()};
      float* scratch = arena + p.activations;
      for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
        if constexpr (!table.is_input[k]) {
          constexpr std::size_t l = static_cast<std::size_t>(layer_of[k]);
          forward_node<is_merge_at<l>>(layer<l>(), static_cast<int>(k), w, batch, scratch);
        }
      });
      copy_unwritten_outputs(w, ys, batch);
    }
  }
  /// As a layer of another model (one input, one output).
  void forward(const float* x, float* y, int batch, float* scratch) const {
    const float* xs[1] = {x};
    float* ys[1] = {y};
    forward(xs, ys, batch, scratch);
  }
  void run_forward(const float* x, float* y, int batch, float* arena) const { forward(x, y, batch, arena); }

  // ---- Training ---------------------------------------------------------------------------------------
  static constexpr std::size_t max_node_floats(int batch) {
    std::size_t most = 0;
    if constexpr (valid)
      for (int k = 0; k < n; ++k) most = std::max(most, node_floats(k, batch));
    return most;
  }
  // saved: [every arena tensor][each node's saved][a gradient per node][max_inputs buffers for dx]
  static constexpr std::size_t saved_floats(int batch) {
    std::size_t total = 0;
    if constexpr (valid)
      for (int k = 0; k < n; ++k) {
        if (!table.is_input[k]) {
          if (in_arena(k)) total += node_floats(k, batch);
          total += round_floats(sizes::saved[static_cast<std::size_t>(layer_of[k])](batch));
        }
        total += node_floats(k, batch);
      }
    return total + static_cast<std::size_t>(graph_type::max_inputs) * max_node_floats(batch);
  }
  static constexpr std::size_t backward_scratch_floats(int batch) {
    std::size_t most = 0;
    if constexpr (valid)
      for (std::size_t l = 0; l < static_cast<std::size_t>(layer_count); ++l)
        most = std::max({most, round_floats(sizes::scratch[l](batch)), round_floats(sizes::backward_scratch[l](batch))});
    return most;
  }
  static constexpr bool trainable_layers = [] {
    bool all = true;
    if constexpr (valid) for_each_index<static_cast<std::size_t>(layer_count)>([&](auto l) { all = all && has_backward<layer_type<l>>; });
    return all;
  }();

  /// Training's forward pass, keeping every tensor for backward: xs[j] are the rows of Input j,
  /// ys[j] receive output j.
  void forward_train(const float* const* xs, float* const* ys, int batch, float* saved, float* scratch,
                     const train_context& ctx, const bool* frozen = nullptr) {
    if constexpr (valid) {
      const auto t = training_layout(batch);
      const wiring w{xs, ys, saved, t.tensor.data()};
      for_each_index<static_cast<std::size_t>(n)>([&](auto k) {
        if constexpr (!table.is_input[k]) {
          constexpr std::size_t l = static_cast<std::size_t>(layer_of[k]);
          train_context c = ctx;
          c.trainable = ctx.trainable && !(frozen && frozen[l]);
          forward_train_node<is_merge_at<l>>(layer<l>(), static_cast<int>(k), w, batch, saved + t.layer_saved[k], scratch, c);
        }
      });
      copy_unwritten_outputs(w, ys, batch);
    }
  }
  /// One input, one output (and as a layer of another model).
  void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context& ctx,
                     const bool* frozen = nullptr) {
    const float* xs[1] = {x};
    float* ys[1] = {y};
    forward_train(xs, ys, batch, saved, scratch, ctx, frozen);
  }

  /// Backward after forward_train(xs, ys, ...): from dys[j], the gradient of the loss with respect to
  /// output j, the weights' gradients into grad and, where dxs[j] is not null, Input j's into it. An
  /// output that other layers also read adds their gradients to its own.
  void backward(const float* const* xs, const float* const* ys, const float* const* dys, float* const* dxs, int batch,
                const float* saved, float* scratch, graph_body& grad, const train_context& ctx,
                const bool* frozen = nullptr) const {
    if constexpr (valid) {
      const auto t = training_layout(batch);
      float* base = const_cast<float*>(saved);
      const wiring w{xs, const_cast<float* const*>(ys), base, t.tensor.data()};
      auto grad_of = [&](int k) -> float* { return base + t.gradient[k]; };
      // Exact sizes where the caller's buffers are involved (node_floats is rounded up to cache lines).
      for (int k = 0; k < n; ++k)
        if (model_output[k] < 0) std::fill_n(grad_of(k), node_floats(k, batch), 0.0f);
      for (std::size_t j = 0; j < sizeof...(O); ++j) {
        const int k = output_nodes[j];
        const std::size_t count = static_cast<std::size_t>(batch) * sample_floats[k];
        if (model_output[k] == static_cast<int>(j))
          std::copy_n(dys[j], count, grad_of(k));
        else  // the same tensor listed again
          for (std::size_t i = 0; i < count; ++i) grad_of(k)[i] += dys[j][i];
      }
      // The nodes in reverse running order; each input's gradient adds up over the layers that read it.
      const backward_args a{w, base, t, base + t.dx, max_node_floats(batch), scratch, ctx, frozen, batch};
      for_each_index<static_cast<std::size_t>(n)>([&](auto r) {
        constexpr std::size_t k = static_cast<std::size_t>(n) - 1 - r;
        if constexpr (!table.is_input[k]) {
          constexpr std::size_t l = static_cast<std::size_t>(layer_of[k]);
          backward_node<is_merge_at<l>>(layer<l>(), grad.template layer<l>(), static_cast<int>(k), static_cast<int>(l), a);
        }
      });
      for (int k = 0; k < n; ++k)
        if (model_input[k] >= 0 && dxs[model_input[k]])
          std::copy_n(grad_of(k), static_cast<std::size_t>(batch) * sample_floats[k], dxs[model_input[k]]);
    }
  }
  /// One input, one output (and as a layer of another model).
  void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float* saved,
                float* scratch, graph_body& grad, const train_context& ctx, const bool* frozen = nullptr) const {
    const float* xs[1] = {x};
    const float* ys[1] = {y};
    const float* dys[1] = {dy};
    float* dxs[1] = {dx};
    backward(xs, ys, dys, dxs, batch, saved, scratch, grad, ctx, frozen);
  }
  /// Whether a layer of the graph reads node k (an output that is also an intermediate tensor).
  static constexpr std::array<bool, n> read_by_layers = [] {
    std::array<bool, n> r{};
    for (int k = 0; k < n; ++k)
      for (int j = 0; j < table.input_count[k]; ++j) r[static_cast<std::size_t>(table.inputs[k][j])] = true;
    return r;
  }();
  // An output that other layers also read gets their gradients with respect to its values, which
  // do not add to a gradient with respect to its pre-activation: its loss then reads its values.
  /// The one output's pre-activation, when its layer keeps one (a fused Softmax or Sigmoid): what
  /// Keras' cross-entropies read (train/trainer.hpp).
  static constexpr int output_node = [] {
    int k = -1;
    for (int j = 0; j < n; ++j)
      if (model_output[j] == 0) k = j;
    return k;
  }();
  static constexpr bool has_logits = [] {
    if constexpr (valid && sizeof...(O) == 1 && output_node >= 0 && !table.is_input[output_node] &&
                  !read_by_layers[output_node]) {
      using L = layer_type<static_cast<std::size_t>(layer_of[output_node])>;
      if constexpr (requires { L::has_logits; }) return L::has_logits;
    }
    return false;
  }();
  const float* logits(const float* saved, int batch) const {
    if constexpr (has_logits)
      return layer<static_cast<std::size_t>(layer_of[output_node])>().logits(saved + training_layout(batch).layer_saved[output_node]);
    else
      return nullptr;
  }
  using output_activation =
      typename fused_activation_at<has_logits, has_logits ? static_cast<std::size_t>(layer_of[output_node]) : 0,
                                   layers>::type;

  /// The same for output J of a model of several outputs: its node, whether its layer keeps its
  /// pre-activation (a fused Softmax or Sigmoid), where that is, and the activation.
  /// A tensor listed twice among the outputs (Keras allows it) is both outputs' node, and its
  /// gradient is the sum of both losses' gradients, which do not add up as logits: neither reads them.
  static constexpr std::array<int, sizeof...(O)> output_nodes{index_in_v<O, nodes>...};
  static constexpr std::array<int, n> output_places = [] {
    std::array<int, n> c{};
    for (int k : output_nodes)
      if (k >= 0) ++c[static_cast<std::size_t>(k)];
    return c;
  }();
  /// Whether some output is written by no layer: an Input given as an output, or a tensor listed
  /// again after its first place (Keras' Model(x, [x, h]) and Model(x, [h, h])); those are copied.
  static constexpr bool copies_outputs = [] {
    for (std::size_t j = 0; j < sizeof...(O); ++j)
      if (output_nodes[j] >= 0 && (table.is_input[output_nodes[j]] || model_output[output_nodes[j]] != static_cast<int>(j)))
        return true;
    return false;
  }();
  template <std::size_t J>
  static constexpr bool has_logits_at = [] {
    if constexpr (valid && output_nodes[J] >= 0 && !table.is_input[output_nodes[J]] &&
                  !read_by_layers[output_nodes[J]] && output_places[output_nodes[J]] == 1) {
      using L = layer_type<static_cast<std::size_t>(layer_of[output_nodes[J]])>;
      if constexpr (requires { L::has_logits; }) return L::has_logits;
    }
    return false;
  }();
  template <std::size_t J>
  const float* logits_at(const float* saved, int batch) const {
    if constexpr (has_logits_at<J>)
      return layer<static_cast<std::size_t>(layer_of[output_nodes[J]])>().logits(
          saved + training_layout(batch).layer_saved[output_nodes[J]]);
    else
      return nullptr;
  }
  template <std::size_t J>
  using output_activation_at =
      typename fused_activation_at<has_logits_at<J>, has_logits_at<J> ? static_cast<std::size_t>(layer_of[output_nodes[J]]) : 0,
                                   layers>::type;

  // ---- Weights ---------------------------------------------------------------------------------------
  template <class F>
  constexpr void visit_leaves(F&& f, int base) {
    visit_impl(*this, f, base);
  }
  template <class F>
  constexpr void visit_leaves(F&& f, int base) const {
    visit_impl(*this, f, base);
  }
  template <class R>
  void initialize(R& rng) {
    if constexpr (valid)
      for_each_index<static_cast<std::size_t>(layer_count)>([&](auto l) {
        if constexpr (outline)
          outlined_initialize(layer<l>(), rng);
        else
          layer<l>().initialize(rng);
      });
  }
  template <class F>
  constexpr void for_each_weight(F&& f) {
    visit_leaves([&](int, auto& leaf) { leaf.for_each_weight(f); }, 0);
  }

 private:
  struct training_layout_type {
    std::array<std::size_t, n> tensor{}, layer_saved{}, gradient{};
    std::size_t dx = 0;
  };
  static constexpr training_layout_type training_layout(int batch) {
    training_layout_type t;
    std::size_t off = 0;
    for (int k = 0; k < n; ++k)
      if (in_arena(k)) {
        t.tensor[k] = off;
        off += node_floats(k, batch);
      }
    for (int k = 0; k < n; ++k)
      if (!table.is_input[k]) {
        t.layer_saved[k] = off;
        off += round_floats(sizes::saved[static_cast<std::size_t>(layer_of[k])](batch));
      }
    for (int k = 0; k < n; ++k) {
      t.gradient[k] = off;
      off += node_floats(k, batch);
    }
    t.dx = off;
    return t;
  }

  template <std::size_t L>
  static constexpr bool is_merge_at = requires { type_at_t<L, layers>::is_merge; };
  // Where node k's tensor is: a model input or output (the caller's), or an offset into a buffer.
  struct wiring {
    const float* const* xs;
    float* const* ys;
    float* base;
    const std::size_t* offset;
    float* at(int k) const {
      if (model_input[k] >= 0) return const_cast<float*>(xs[model_input[k]]);
      if (model_output[k] >= 0) return ys[model_output[k]];
      return base + offset[k];
    }
  };
  // The outputs no layer wrote (see copies_outputs), copied from their node.
  static void copy_unwritten_outputs(const wiring& w, float* const* ys, int batch) {
    if constexpr (copies_outputs)
      for (std::size_t j = 0; j < sizeof...(O); ++j) {
        const int k = output_nodes[j];
        const float* from = w.at(k);
        if (from != ys[j]) std::copy_n(from, static_cast<std::size_t>(batch) * sample_floats[k], ys[j]);
      }
  }
  // A node's step is a function of its layer's type, its wiring read from the tables at run time:
  // the nodes of one layer type (a ResNet's repeated blocks) share one copy, where a step per node
  // was most of a graph's compiled code.
  template <bool Merge, class L>
  static void forward_node(const L& layer, int k, const wiring& w, int batch, float* scratch) {
    float* out = w.at(k);
    if constexpr (Merge) {
      std::array<const float*, graph_type::max_inputs> in{};
      for (int j = 0; j < table.input_count[k]; ++j) in[j] = w.at(table.inputs[k][j]);
      layer.forward(in.data(), out, batch, scratch);
    } else if constexpr (outline) {
      outlined_forward(layer, static_cast<const float*>(w.at(table.inputs[k][0])), out, batch, scratch);
    } else {
      layer.forward(w.at(table.inputs[k][0]), out, batch, scratch);
    }
  }
  template <bool Merge, class L>
  static void forward_train_node(L& layer, int k, const wiring& w, int batch, float* saved, float* scratch,
                                 const train_context& c) {
    float* out = w.at(k);
    if constexpr (Merge) {
      std::array<const float*, graph_type::max_inputs> in{};
      for (int j = 0; j < table.input_count[k]; ++j) in[j] = w.at(table.inputs[k][j]);
      if constexpr (requires { layer.forward_train(in.data(), out, batch, saved, scratch, c); })
        layer.forward_train(in.data(), out, batch, saved, scratch, c);
      else
        layer.forward(in.data(), out, batch, scratch);
    } else {
      const float* in = w.at(table.inputs[k][0]);
      if constexpr (outline)
        outlined_forward_train(layer, in, out, batch, saved, scratch, c);
      else
        forward_train_of(layer, in, out, batch, saved, scratch, c);
    }
  }
  struct backward_args {
    wiring w;
    float* base;
    const training_layout_type& t;
    float* dx_buffers;
    std::size_t dx_width;  // floats of each of dx_buffers' max_inputs buffers
    float* scratch;
    const train_context& ctx;
    const bool* frozen;
    int batch;
  };
  // What a node's backward reads and writes besides its layer: the same for every layer type, so kept
  // out of the per-type step (inlined there, its loops were most of each copy).
  struct node_io {
    train_context c;
    std::array<const float*, graph_type::max_inputs> in{};
    std::array<float*, graph_type::max_inputs> dx{};
    const float* out;
    const float* dy;
    const float* saved;
  };
  TSHAPE_NOINLINE static node_io backward_io(int k, int l, const backward_args& a) {
    node_io io{a.ctx, {}, {}, a.w.at(k), a.base + a.t.gradient[k], a.base + a.t.layer_saved[k]};
    io.c.trainable = a.ctx.trainable && !(a.frozen && a.frozen[l]);
    if (model_output[k] < 0)
      io.c.dy_is_logits = false;
    else if constexpr (sizeof...(O) == 1)
      io.c.dy_is_logits = a.ctx.dy_is_logits;
    else
      io.c.dy_is_logits = ((a.ctx.logits_outputs >> model_output[k]) & 1u) != 0;
    for (int j = 0; j < table.input_count[k]; ++j) {
      io.in[j] = a.w.at(table.inputs[k][j]);
      io.dx[j] = a.dx_buffers + static_cast<std::size_t>(j) * a.dx_width;
    }
    return io;
  }
  // Each input's gradient adds up over the layers that read it.
  TSHAPE_NOINLINE static void add_input_gradients(int k, const node_io& io, const backward_args& a) {
    for (int j = 0; j < table.input_count[k]; ++j) {
      const int p = table.inputs[k][j];
      float* g = a.base + a.t.gradient[p];
      const std::size_t count = static_cast<std::size_t>(a.batch) * sample_floats[static_cast<std::size_t>(p)];
      for (std::size_t i = 0; i < count; ++i) g[i] += io.dx[j][i];
    }
  }
  template <bool Merge, class L>
  static void backward_node(const L& layer, L& grad_layer, int k, int l, const backward_args& a) {
    const node_io io = backward_io(k, l, a);
    if constexpr (Merge)
      layer.backward(io.in.data(), io.out, io.dy, io.dx.data(), a.batch, io.saved, a.scratch, grad_layer, io.c);
    else if constexpr (outline)
      outlined_backward(layer, grad_layer, io.c, io.in[0], io.out, io.dy, io.dx[0], a.batch, io.saved, a.scratch);
    else
      layer.backward(io.in[0], io.out, io.dy, io.dx[0], a.batch, io.saved, a.scratch, grad_layer, io.c);
    add_input_gradients(k, io, a);
  }

  template <class Self, class F>
  static constexpr void visit_impl(Self& self, F& f, int base) {
    if constexpr (valid) {
      int index = base + 1;
      for_each_index<static_cast<std::size_t>(layer_count)>([&](auto l) {
        auto& leaf = self.template layer<l>();
        if constexpr (is_chain<std::remove_cvref_t<decltype(leaf)>>::value)
          leaf.visit_leaves(f, index);
        else
          f(index, leaf);
        index += name_count<type_at_t<l, layers>>();
      });
    }
  }

  storage layers_{};
};

template <class... I, class... O>
struct is_chain<graph_body<type_list<I...>, type_list<O...>>> : std::true_type {};

}  // namespace detail

namespace detail {
/// The graph of Inputs<I...> and Outputs<O...> (what Model holds), named without the Model.
template <class Ins, class Outs>
struct graph_of_lists;
template <class... I, class... O>
struct graph_of_lists<Inputs<I...>, Outputs<O...>> {
  using type = graph_body<type_list<I...>, type_list<O...>>;
};
template <class Ins, class Outs>
using graph_of = typename graph_of_lists<Ins, Outs>::type;
}  // namespace detail

/// A functional model: its Inputs and its Outputs, tensors of model/graph.hpp.
template <class... I, class... O, class... Reported>
class Model<Inputs<I...>, Outputs<O...>, Reported...>
    : public detail::functional_call<Model<Inputs<I...>, Outputs<O...>, Reported...>> {
  using body = detail::graph_body<detail::type_list<I...>, detail::type_list<O...>>;
  // The graph's layers, held rather than inherited (as Sequential's, for the same reason).
  body body_{};
  template <std::size_t J>
  using type_at_graph_input = detail::type_at_t<J, detail::type_list<I...>>;
  template <std::size_t J, class... X>
  using type_at_graph_tensor = detail::type_at_t<J, detail::type_list<X...>>;

 public:
  static constexpr std::string_view keras_class = "Functional";
  static constexpr std::string_view keras_name = "model";
  static constexpr bool has_input = true;

  // ---- The graph's members (detail::graph_body), forwarded -------------------------------------------
  /// The layers in Keras' order (none for a model that reports an error: nothing iterates them).
  using layers = std::conditional_t<std::is_void_v<typename body::diagnosis>, typename body::layers, detail::type_list<>>;
  using graph_type = typename body::graph_type;
  using graph = body;
  // The graph's tables (summary and plot read them).
  using nodes = typename body::nodes;
  static constexpr int n = body::n;
  static constexpr const auto& table = body::table;
  static constexpr const auto& layer_of = body::layer_of;
  static constexpr const auto& first_node = body::first_node;
  static constexpr const auto& model_input = body::model_input;
  static constexpr const auto& model_output = body::model_output;
  static constexpr bool copies_outputs = body::copies_outputs;
  static constexpr const auto& layer_keys = body::layer_keys;
  static constexpr const auto& input_keys = body::input_keys;
  template <std::size_t K>
  using node_shape = typename body::template node_shape<K>;
  template <std::size_t K>
  using input_shapes = typename body::template input_shapes<K>;
  static constexpr int layer_count = body::layer_count;
  static constexpr int input_count = body::input_count;
  static constexpr int output_count = body::output_count;
  static constexpr bool ok = body::ok;
  static constexpr bool valid = body::valid;
  using input_shape = typename body::input_shape;
  using output_shape = typename body::output_shape;
  template <std::size_t J>
  using input_shape_at = typename body::template input_shape_at<J>;
  /// The Input layer J (its shape and its name in diagnoses).
  template <std::size_t J>
  using input_layer_at = type_at_graph_input<J>;
  /// Whether Input J holds token ids (an Embedding reads it; its data is then int32), and the
  /// smallest input_dim of the Embeddings that read it (limit; 0: none).
  template <std::size_t J>
  using input_ids = detail::read_as_ids<type_at_graph_input<J>, typename body::nodes>;
  template <std::size_t J>
  static constexpr bool input_takes_ids = input_ids<J>::value;
  /// The element type of Input J's data.
  template <std::size_t J>
  using input_element_at = std::conditional_t<input_ids<J>::value, std::int32_t, float>;
  template <std::size_t J>
  static constexpr int token_id_limit_at = input_ids<J>::limit;
  /// The same for a model of one Input (what trainers and the nesting of models read).
  static constexpr bool takes_token_ids = sizeof...(I) == 1 && input_ids<0>::value;
  using input_element = input_element_at<0>;
  static constexpr int token_id_limit = sizeof...(I) == 1 ? input_ids<0>::limit : 0;
  /// The diagnosis of data X given to Input J, as a call's (void when it fits).
  template <std::size_t J, class X>
  using input_diagnosis_at = typename decltype(detail::input_diagnosis<type_at_graph_input<J>, typename X::value_type,
                                                                       typename X::shape, input_ids<J>::value>())::type;
  template <std::size_t J>
  using output_shape_at = typename body::template output_shape_at<J>;
  template <std::size_t L>
  using layer_type = typename body::template layer_type<L>;
  static constexpr long long param_count = body::param_count;
  static constexpr long long non_trainable_count = body::non_trainable_count;
  static constexpr long long trainable_count = body::trainable_count;
  static constexpr bool trainable_layers = body::trainable_layers;
  static constexpr bool has_logits = body::has_logits;
  using output_activation = typename body::output_activation;
  using plan_type = typename body::plan_type;
  static constexpr plan_type plan(int batch) { return body::plan(batch); }
  static constexpr std::size_t arena_floats(int batch) { return body::arena_floats(batch); }
  static constexpr std::size_t unshared_activation_floats(int batch) { return body::unshared_activation_floats(batch); }
  static constexpr std::size_t saved_floats(int batch) { return body::saved_floats(batch); }
  static constexpr std::size_t backward_scratch_floats(int batch) { return body::backward_scratch_floats(batch); }
  template <std::size_t L>
  constexpr auto& layer() {
    if constexpr (std::is_void_v<diagnosis>)
      return body_.template layer<L>();
    else
      return detail::failed_layer::instance();
  }
  template <std::size_t L>
  constexpr const auto& layer() const {
    if constexpr (std::is_void_v<diagnosis>)
      return body_.template layer<L>();
    else
      return detail::failed_layer::instance();
  }
  /// The position (in layer<I>'s count) of the layer that computes tensor T, as Keras' get_layer.
  template <class T>
    requires detail::is_node<T>::value
  static constexpr std::size_t layer_index_of = static_cast<std::size_t>(
      body::layer_of[static_cast<std::size_t>(detail::index_in_v<T, typename body::nodes>)]);
  /// The bound layer that computes tensor t: net.layer(x) for `constexpr auto x = Dense<8>{}(...)`.
  template <class T>
    requires detail::is_node<T>::value
  constexpr auto& layer(const T&) {
    static_assert(detail::index_in_v<T, typename body::nodes> >= 0, "tshape: this tensor is not one of the model's");
    if constexpr (std::is_void_v<diagnosis>)
      return body_.template layer<layer_index_of<T>>();
    else
      return detail::failed_layer::instance();
  }
  template <class F>
  constexpr void visit_leaves(F&& f, int base) {
    body_.visit_leaves(f, base);
  }
  template <class F>
  constexpr void visit_leaves(F&& f, int base) const {
    body_.visit_leaves(f, base);
  }
  template <class R>
  void initialize(R& rng) {
    body_.initialize(rng);
  }
  template <class F>
  constexpr void for_each_weight(F&& f) {
    body_.for_each_weight(f);
  }
  void run_forward(const float* x, float* y, int batch, float* work) const { body_.forward(x, y, batch, work); }
  /// The forward pass on raw rows, one pointer per Input and per output.
  void run_forward(const float* const* xs, float* const* ys, int batch, float* work) const {
    body_.forward(xs, ys, batch, work);
  }
  void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context& ctx,
                     const bool* frozen = nullptr) {
    body_.forward_train(x, y, batch, saved, scratch, ctx, frozen);
  }
  void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float* saved,
                float* scratch, Model& grad, const train_context& ctx, const bool* frozen = nullptr) const {
    body_.backward(x, y, dy, dx, batch, saved, scratch, grad.body_, ctx, frozen);
  }
  const float* logits(const float* saved, int batch) const { return body_.logits(saved, batch); }
  /// Training on several inputs and outputs: one pointer per Input and per output (graph_body's).
  void forward_train(const float* const* xs, float* const* ys, int batch, float* saved, float* scratch,
                     const train_context& ctx, const bool* frozen = nullptr) {
    body_.forward_train(xs, ys, batch, saved, scratch, ctx, frozen);
  }
  void backward(const float* const* xs, const float* const* ys, const float* const* dys, float* const* dxs, int batch,
                const float* saved, float* scratch, Model& grad, const train_context& ctx,
                const bool* frozen = nullptr) const {
    body_.backward(xs, ys, dys, dxs, batch, saved, scratch, grad.body_, ctx, frozen);
  }
  template <std::size_t J>
  static constexpr bool has_logits_at = body::template has_logits_at<J>;
  template <std::size_t J>
  const float* logits_at(const float* saved, int batch) const {
    return body_.template logits_at<J>(saved, batch);
  }
  template <std::size_t J>
  using output_activation_at = typename body::template output_activation_at<J>;

  /// As a layer of another model (one input, one output): the declared Input's shape, then the outputs.
  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using Declared = typename body::input_shape;
    if constexpr (!body::valid)
      return mismatch<error::REPORTED_INSIDE>{};  // said by model(...), or by this class, complete here
    else if constexpr (body::input_count != 1 || body::output_count != 1)
      return mismatch<error::WRONG_TENSOR_COUNT, error::model_inputs<body::input_count>, error::but_called_with<1>>{};
    else if constexpr (!compatible_v<Shape<D...>, Declared>)
      return mismatch<error::SHAPE_MISMATCH, error::expected<Declared>, error::got<Shape<D...>>>{};
    else
      return typename body::output_shape{};
  }
  template <class In>
  using bind = body;

  static constexpr std::size_t param_bytes = static_cast<std::size_t>(body::param_count) * sizeof(float);
  static constexpr std::size_t arena_bytes(int batch) { return body::arena_floats(batch) * sizeof(float); }
  static constexpr std::size_t activation_bytes = arena_bytes(1);

  /// Caller memory for forward(..., arena) on up to Batch samples: arena_bytes(Batch) bytes, aligned.
  /// Firmware keeps one for the life of the program: `static Net::arena<> scratch;`.
  template <int Batch = 1>
  struct arena {
    static_assert(Batch >= 1, "tshape: Net::arena<Batch> is for a positive number of samples");
    static constexpr int batch = Batch;
    alignas(TSHAPE_ALIGN) std::byte bytes[arena_bytes(Batch) > 0 ? arena_bytes(Batch) : 1];
  };

  /// The rule of a call on data X (one input), as Sequential's; nothing for a model that reports its error.
  template <class X>
  static constexpr auto model_call_rule() {
    if constexpr (!std::is_void_v<typename body::diagnosis>)
      return std::type_identity<error::the_model_reports_its_error>{};
    else
      return detail::input_diagnosis<type_at_graph_input<0>, typename X::value_type, typename X::shape,
                                     input_ids<0>::value>();
  }
  /// The diagnosis of a call on data X (one input): as Sequential's (void for a model that reports
  /// its own error).
  template <class X>
  using call_diagnosis = std::conditional_t<
      body::input_count == 1 || !std::is_void_v<typename body::diagnosis>,
      typename decltype(model_call_rule<X>())::type,
      error::WRONG_TENSOR_COUNT<error::at_model_call, error::model_inputs<body::input_count>, error::but_called_with<1>>>;

  // The rule of a call on data X...: the count, each Input's data, then the samples.
  template <class... X>
  static constexpr auto call_rule() {
    if constexpr (!std::is_void_v<typename body::diagnosis>) {
      return std::type_identity<error::the_model_reports_its_error>{};
    } else if constexpr (sizeof...(X) != sizeof...(I)) {
      return std::type_identity<error::WRONG_TENSOR_COUNT<error::at_model_call, error::model_inputs<sizeof...(I)>,
                                                          error::but_called_with<sizeof...(X)>>>{};
    } else {
      using D = typename decltype(first_error<0, X...>())::type;
      if constexpr (!std::is_void_v<D>)
        return std::type_identity<D>{};
      else
        return detail::input_samples_rule<error::at_model_call, X...>();
    }
  }
  template <std::size_t J, class... X>
  static constexpr auto first_error() {
    if constexpr (J == sizeof...(X)) {
      return std::type_identity<void>{};
    } else {
      using XJ = type_at_graph_tensor<J, X...>;
      using D = typename decltype(detail::input_diagnosis<type_at_graph_input<J>, typename XJ::value_type,
                                                          typename XJ::shape, input_ids<J>::value>())::type;
      if constexpr (!std::is_void_v<D>)
        return std::type_identity<D>{};
      else
        return first_error<J + 1, X...>();
    }
  }
  /// The diagnosis of a call on data X... (one tensor per Input): void when they fit.
  template <class... X>
  using calls_diagnosis = typename decltype(call_rule<X...>())::type;

 private:
  // The rule of forward(x, y, arena) on views VX, VY: a model of one Input and one output, then x as
  // for a call and y of the output's shape (detail::forward_diagnosis, as Sequential's).
  template <class VX, class VY>
  static constexpr auto forward_rule() {
    if constexpr (!std::is_void_v<typename body::diagnosis>)
      return std::type_identity<error::the_model_reports_its_error>{};
    else if constexpr (sizeof...(I) != 1)
      return std::type_identity<error::WRONG_TENSOR_COUNT<error::at_model_call, error::model_inputs<sizeof...(I)>,
                                                          error::but_called_with<1>>>{};
    else
      return detail::forward_diagnosis<type_at_graph_input<0>, typename body::template output_shape_at<0>, VX, VY,
                                       input_ids<0>::value>();
  }

 public:
  /// Firmware, one Input and one output: y = model(x) on the caller's arena (Net::arena<B>, B at least
  /// the batch); x and y are Tensors or TensorViews. Allocates nothing; with static shapes everything
  /// is checked at compile time, and a dyn extent once here (the handler, or an exception, if wrong).
  template <class X, class Y, int B>
    requires is_tensor<std::remove_cvref_t<X>>::value && is_tensor<std::remove_cvref_t<Y>>::value
  void forward(const X& x, Y&& y, arena<B>& scratch) const {
    using VX = detail::view_of_t<const X>;
    using VY = detail::view_of_t<Y>;
    using D = typename decltype(forward_rule<VX, VY>())::type;
    static_assert(sizeof...(O) == 1 || !std::is_void_v<typename body::diagnosis>,
                  "tshape: forward(x, y, arena) is for a model of one output; give one of several outputs "
                  "forward({x...}, {y...}, arena)");
    static_assert(no_error<only<error::WRONG_TENSOR_COUNT, D>>, TSHAPE_MSG_WRONG_TENSOR_COUNT);
    static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, D>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::OUTPUT_MISMATCH, D>>, TSHAPE_MSG_OUTPUT_MISMATCH);
    constexpr int batch_type = detail::call_batch<typename VX::shape, typename VY::shape>;
    static_assert(batch_type == dyn || batch_type <= B,
                  "tshape: the arena is for fewer samples than the batch: use Net::arena<Batch> with Batch at least "
                  "the batch");
    if constexpr (std::is_void_v<D>) {
      const VX xv(x);
      const VY yv = detail::as_view(y);
      check_input<0>(xv);
      using ExpectedOut = prepend_t<dyn, typename body::template output_shape_at<0>>;
      if (const auto e = detail::output_error<ExpectedOut>(xv, yv)) raise(e);
      const int batch = xv.template extent<0>();
      if constexpr (batch_type == dyn) {
        if (batch > B) raise(detail::arena_error(sizeof(scratch.bytes), arena_bytes(batch)));
      }
      const float* xs[1] = {detail::as_input_pointer(xv.data())};
      float* ys[1] = {yv.data()};
      body_.forward(xs, ys, batch, reinterpret_cast<float*>(scratch.bytes));
    }
  }
  /// Firmware, several Inputs or outputs (float data): xs[j] holds B samples of Input j, ys[j] receives
  /// output j's, each a whole batch of the static shape; the arena is Net::arena<B>.
  template <int B>
  void forward(const std::array<const float*, sizeof...(I)>& xs, const std::array<float*, sizeof...(O)>& ys,
               arena<B>& scratch) const {
    static_assert([]<std::size_t... J>(std::index_sequence<J...>) { return (!input_ids<J>::value && ...); }(
                      std::index_sequence_for<I...>{}),
                  "tshape: forward(xs, ys, arena) takes float data; a model reading token ids takes them in a call");
    if constexpr (body::valid) body_.forward(xs.data(), ys.data(), B, reinterpret_cast<float*>(scratch.bytes));
  }

  /// On another model's tensors, Model{}(x) is a layer of that graph. (Written out: a using-declaration
  /// of functional_call's would be hidden by the call below, which differs only in its constraints.)
  template <class... In>
    requires(sizeof...(In) > 0 && (detail::is_symbolic_v<In> && ...))
  constexpr Node<Model, In...> operator()(const In&...) const {
    return {};
  }

  /// Runs the model on data (one Tensor or TensorView per Input, samples first); returns a Tensor, or a
  /// std::tuple of them for several outputs.
  template <class... X>
    requires((is_tensor<X>::value && ...) && sizeof...(X) > 0)
  auto operator()(const X&... x) const {
    using D = calls_diagnosis<X...>;
    static_assert(no_error<only<error::WRONG_TENSOR_COUNT, D>>, TSHAPE_MSG_WRONG_TENSOR_COUNT);
    static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, D>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::INPUT_SAMPLES_MISMATCH, D>>, TSHAPE_MSG_INPUT_SAMPLES_MISMATCH);
    constexpr int B = type_at_graph_tensor<0, X...>::shape::extents[0];
    using H = typename decltype(detail::heap_rule<Model, std::is_void_v<D> ? B : 1, true,
                                                    typename body::template output_shape_at<0>>())::type;
    static_assert(no_error<only<error::NEEDS_HEAP, H>>, TSHAPE_MSG_NEEDS_HEAP);
    if constexpr (std::is_void_v<D> && body::valid && std::is_void_v<H>) {
      const auto xs = [&]<std::size_t... J>(std::index_sequence<J...>) {
        return std::array<const float*, sizeof...(X)>{detail::as_input_pointer(
            TensorView<const input_element_at<J>, typename type_at_graph_tensor<J, X...>::shape>(x).data())...};
      }(std::index_sequence_for<X...>{});
      const int batch = check_batch(x...);
      auto outs = make_outputs<B>(batch, std::make_index_sequence<sizeof...(O)>{});
      std::array<float*, sizeof...(O)> ys{};
      [&]<std::size_t... J>(std::index_sequence<J...>) { ((ys[J] = std::get<J>(outs).data()), ...); }(
          std::make_index_sequence<sizeof...(O)>{});
      if constexpr (B != dyn && arena_bytes(B) <= TSHAPE_STACK_ARENA_BYTES) {
        alignas(TSHAPE_ALIGN) float scratch[body::arena_floats(B) > 0 ? body::arena_floats(B) : 1];
        body_.forward(xs.data(), ys.data(), batch, scratch);
      } else {
#ifndef TSHAPE_NO_HEAP
        body_.forward(xs.data(), ys.data(), batch, detail::thread_arena(body::arena_floats(batch)));
#endif
      }
      if constexpr (sizeof...(O) == 1)
        return std::move(std::get<0>(outs));
      else
        return outs;
    } else {
      return detail::failed_outputs<sizeof...(O)>();
    }
  }

 private:
  template <class... X>
  static int check_batch(const X&... x) {
    const std::array<int, sizeof...(X)> batches{x.template extent<0>()...};
    for (int b : batches)
      if (b != batches[0]) raise(make_error(errc::input_samples_mismatch));
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      (check_input<J>(x), ...);
    }(std::make_index_sequence<sizeof...(X)>{});
    return batches[0];
  }
  template <std::size_t J, class X>
  static void check_input(const X& x) {
    using S = typename X::shape;
    if constexpr (input_ids<J>::limit > 0) {
      const TensorView<const std::int32_t, S> ids(x);
      if (const auto e = token_id_error(ids.data(), ids.size(), input_ids<J>::limit)) raise(e);
    }
    if constexpr (!drop_front_t<S>::is_static) {
      using Expected = prepend_t<dyn, typename type_at_graph_input<J>::shape>;
      const auto got = TensorView<const input_element_at<J>, S>(x).extents();
      const auto v = check_extents(got, Expected::extents);
      if (v.code != errc::ok) raise(extents_error(v, got, Expected::extents, "at the model's input"));
    }
  }
  template <int B, std::size_t... J>
  static auto make_outputs(int batch, std::index_sequence<J...>) {
    if constexpr (B == dyn)
      return std::tuple<Tensor<float, prepend_t<dyn, typename body::template output_shape_at<J>>>...>(
          Tensor<float, prepend_t<dyn, typename body::template output_shape_at<J>>>(batch)...);
    else
      return std::tuple<Tensor<float, prepend_t<B, typename body::template output_shape_at<J>>>...>{};
  }

 public:
  /// The report (diagnostics/report.hpp): one static_assert per kind of rule, of which at most one fails.
  /// Last in the class: clang drops the members declared after a failed static_assert, and a call on
  /// the model would then be a second error (no call operator) after the one that says the rule.
  using diagnosis = typename body::diagnosis;
  // What this class reports: nothing when model(...) has already.
  using unreported = std::conditional_t<sizeof...(Reported) == 0, diagnosis, void>;
  static_assert(no_error<only<error::SHAPE_MISMATCH, unreported>>, TSHAPE_MSG_SHAPE_MISMATCH);
  static_assert(no_error<only<error::WRONG_RANK, unreported>>, TSHAPE_MSG_LAYER_WRONG_RANK);
  static_assert(no_error<only<error::WINDOW_LARGER_THAN_INPUT, unreported>>, TSHAPE_MSG_WINDOW_LARGER_THAN_INPUT);
  static_assert(no_error<only<error::ELEMENT_COUNT_MISMATCH, unreported>>, TSHAPE_MSG_ELEMENT_COUNT_MISMATCH);
  static_assert(no_error<only<error::INVALID_OPTION, unreported>>, TSHAPE_MSG_INVALID_OPTION);
  static_assert(no_error<only<error::UNKNOWN_OPTION, unreported>>, TSHAPE_MSG_UNKNOWN_OPTION);
  static_assert(no_error<only<error::NOT_A_LAYER, unreported>>, TSHAPE_MSG_NOT_A_LAYER);
  static_assert(no_error<only<error::REPEATED_OPTION, unreported>>, TSHAPE_MSG_REPEATED_OPTION);
  static_assert(no_error<only<error::BAD_OPTION_VALUE, unreported>>, TSHAPE_MSG_BAD_OPTION_VALUE);
  static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, unreported>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
  static_assert(no_error<only<error::NOT_RECURRENT, unreported>>, TSHAPE_MSG_NOT_RECURRENT);
  static_assert(no_error<only<error::MERGE_SHAPE_MISMATCH, unreported>>, TSHAPE_MSG_MERGE_SHAPE_MISMATCH);
  static_assert(no_error<only<error::MERGE_IN_SEQUENTIAL, unreported>>, TSHAPE_MSG_MERGE_IN_SEQUENTIAL);
  static_assert(no_error<only<error::CONCATENATE_MISMATCH, unreported>>, TSHAPE_MSG_CONCATENATE_MISMATCH);
  static_assert(no_error<only<error::DOT_MISMATCH, unreported>>, TSHAPE_MSG_DOT_MISMATCH);
  static_assert(no_error<only<error::SHARED_LAYER_MISMATCH, unreported>>, TSHAPE_MSG_SHARED_LAYER_MISMATCH);
  static_assert(no_error<only<error::GRAPH_DISCONNECTED, unreported>>, TSHAPE_MSG_GRAPH_DISCONNECTED);
  static_assert(no_error<only<error::INPUT_NOT_USED, unreported>>, TSHAPE_MSG_INPUT_NOT_USED);
  static_assert(no_error<only<error::INPUT_REPEATED, unreported>>, TSHAPE_MSG_INPUT_REPEATED);
  static_assert(no_error<only<error::INPUT_NAME, unreported>>, TSHAPE_MSG_INPUT_NAME);
  static_assert(no_error<only<error::INPUT_NOT_STATIC, unreported>>, TSHAPE_MSG_INPUT_NOT_STATIC);
  static_assert(no_error<only<error::WRONG_TENSOR_COUNT, unreported>>, TSHAPE_MSG_WRONG_TENSOR_COUNT);
};

/// The bound layer of a functional model that computes tensor t (a model or a model_ptr).
template <class Net, class T>
  requires detail::is_node<T>::value
constexpr auto& layer(Net& net, const T& t) {
  if constexpr (requires { *net; net.get(); })
    return (*net).layer(t);
  else
    return net.layer(t);
}

/// The functional model from its Inputs to its Outputs: model(image, out), or with several
/// model(inputs(a, b), outputs(c, d)) (either side may be one tensor).
///
/// A graph that breaks a rule is reported here, in the user's `decltype(model(...))`: the report sits
/// in this function's body so that the compiler names the user's line right below it (from the class,
/// a call through make_model would add two notes of context). The type returned then carries
/// detail::rule_reported, and a program that goes on to use the model gets no second error.
template <class In, class Out>
  requires((detail::is_input_tensor_v<In> || detail::is_inputs_v<In>) &&
           (detail::is_symbolic_v<Out> || detail::is_outputs_v<Out>))
constexpr auto model(const In&, const Out&) {
  using ins = detail::as_inputs_t<In>;
  using outs = detail::as_outputs_t<Out>;
  using diagnosis = typename detail::graph_of<ins, outs>::diagnosis;
  static_assert(no_error<only<error::SHAPE_MISMATCH, diagnosis>>, TSHAPE_MSG_SHAPE_MISMATCH);
  static_assert(no_error<only<error::WRONG_RANK, diagnosis>>, TSHAPE_MSG_LAYER_WRONG_RANK);
  static_assert(no_error<only<error::WINDOW_LARGER_THAN_INPUT, diagnosis>>, TSHAPE_MSG_WINDOW_LARGER_THAN_INPUT);
  static_assert(no_error<only<error::ELEMENT_COUNT_MISMATCH, diagnosis>>, TSHAPE_MSG_ELEMENT_COUNT_MISMATCH);
  static_assert(no_error<only<error::INVALID_OPTION, diagnosis>>, TSHAPE_MSG_INVALID_OPTION);
  static_assert(no_error<only<error::UNKNOWN_OPTION, diagnosis>>, TSHAPE_MSG_UNKNOWN_OPTION);
  static_assert(no_error<only<error::NOT_A_LAYER, diagnosis>>, TSHAPE_MSG_NOT_A_LAYER);
  static_assert(no_error<only<error::REPEATED_OPTION, diagnosis>>, TSHAPE_MSG_REPEATED_OPTION);
  static_assert(no_error<only<error::BAD_OPTION_VALUE, diagnosis>>, TSHAPE_MSG_BAD_OPTION_VALUE);
  static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, diagnosis>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
  static_assert(no_error<only<error::NOT_RECURRENT, diagnosis>>, TSHAPE_MSG_NOT_RECURRENT);
  static_assert(no_error<only<error::MERGE_SHAPE_MISMATCH, diagnosis>>, TSHAPE_MSG_MERGE_SHAPE_MISMATCH);
  static_assert(no_error<only<error::MERGE_IN_SEQUENTIAL, diagnosis>>, TSHAPE_MSG_MERGE_IN_SEQUENTIAL);
  static_assert(no_error<only<error::CONCATENATE_MISMATCH, diagnosis>>, TSHAPE_MSG_CONCATENATE_MISMATCH);
  static_assert(no_error<only<error::DOT_MISMATCH, diagnosis>>, TSHAPE_MSG_DOT_MISMATCH);
  static_assert(no_error<only<error::SHARED_LAYER_MISMATCH, diagnosis>>, TSHAPE_MSG_SHARED_LAYER_MISMATCH);
  static_assert(no_error<only<error::GRAPH_DISCONNECTED, diagnosis>>, TSHAPE_MSG_GRAPH_DISCONNECTED);
  static_assert(no_error<only<error::INPUT_NOT_USED, diagnosis>>, TSHAPE_MSG_INPUT_NOT_USED);
  static_assert(no_error<only<error::INPUT_REPEATED, diagnosis>>, TSHAPE_MSG_INPUT_REPEATED);
  static_assert(no_error<only<error::INPUT_NAME, diagnosis>>, TSHAPE_MSG_INPUT_NAME);
  static_assert(no_error<only<error::INPUT_NOT_STATIC, diagnosis>>, TSHAPE_MSG_INPUT_NOT_STATIC);
  static_assert(no_error<only<error::WRONG_TENSOR_COUNT, diagnosis>>, TSHAPE_MSG_WRONG_TENSOR_COUNT);
  if constexpr (std::is_void_v<diagnosis>)
    return Model<ins, outs>{};
  else
    return Model<ins, outs, detail::rule_reported>{};
}

}  // namespace tshape
