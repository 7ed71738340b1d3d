// The bound body of a Sequential: the shape fold over its layers, the bound layers themselves,
// and the forward pass over one arena.
//
// The fold (design section 5) runs each layer's shape rule on the previous output. A rule's mismatch
// becomes failure<I, Layer, mismatch>, which later steps pass on unchanged, so exactly one error is
// reported and nothing after it is checked. A failed chain is still a valid type with no layers, so
// code that names it does not cascade into more errors; the Sequential reports the diagnosis.
//
// The arena holds the intermediate activations (the input and output are the caller's): activation k
// sits at the front of the arena when k is odd and at the back when k is even, so layer k's input and
// output never overlap, and its scratch goes between them. Its size, arena_floats(batch), is therefore
// the largest, over the layers, of input + scratch + output, where a layer's input counts only when a
// layer came before it and its output only when one comes after it, and each of the three is rounded
// up to 16 floats (64 bytes) so that every slot stays aligned.
//
// A layer's scratch is its scratch_floats(batch): none for Dense, activations, pooling and the layers
// that only move values (Flatten, Reshape, ZeroPadding2D, ...), so for a model of those alone the
// arena is the largest pair of consecutive intermediate activations; for a convolution, its kernel
// repacked for the target's SIMD width and, with padding, one zero-bordered sample, the same for any
// batch; BatchNormalization's fused scale and shift; for a recurrent layer, its state, the projected
// inputs, the hidden states between steps (without ReturnSequences) and, for GRU with
// ResetAfter<false>, z and r*h between a step's two passes; for Bidirectional, both directions' outputs
// as well; for a nested model, its own arena. So arena_floats(batch) is at most batch times
// arena_floats(1), often less (a convolution's scratch does not grow with the batch), and a model with
// convolutions has a different arena on each target.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>

#include "../diagnostics/error.hpp"
#include "../layers/input.hpp"
#include "../layers/layer.hpp"
#include "../shape/shape.hpp"
#include "naming.hpp"

namespace tshape::detail {

/// The shapes of one sample before the first layer and after each layer so far.
template <class... S>
struct trace {
  using last = type_at_t<sizeof...(S) - 1, type_list<S...>>;
};
template <int I, class L>
struct indexed {};

template <class L>
concept merge_layer = requires { L::is_merge; };
template <class... S, int I, class L>
constexpr auto operator>>(trace<S...>, indexed<I, L>) {
  if constexpr (merge_layer<L>) {  // it has no infer of one shape
    return failure<I, L, mismatch<error::MERGE_IN_SEQUENTIAL, error::combines_several_tensors,
                                  error::got<typename trace<S...>::last>>>{};
  } else if constexpr (!requires { L::infer(typename trace<S...>::last{}); }) {
    return failure<I, L, mismatch<error::NOT_A_LAYER>>{};
  } else {
    using R = decltype(L::infer(typename trace<S...>::last{}));
    if constexpr (I > 0 && takes_token_ids_of<L>())  // ids come from the data, never from a layer
      return failure<I, L, mismatch<error::TOKEN_IDS_NOT_INTEGER, error::fed_floats_by_the_layer_before_it>>{};
    else if constexpr (is_shape_v<R>)
      return trace<S..., R>{};
    else
      return failure<I, L, R>{};
  }
}
template <int I, class L, class M, int J, class L2>
constexpr auto operator>>(failure<I, L, M> f, indexed<J, L2>) {
  return f;
}
// An Input's own mistake passes every layer too.
template <template <class...> class Kind, class... D, int J, class L2>
constexpr auto operator>>(mismatch<Kind, D...> m, indexed<J, L2>) {
  return m;
}

/// Whether an Input's extents are all static and positive, and how a diagnosis shows them.
template <class S>
inline constexpr bool positive_extents = false;
template <int... D>
inline constexpr bool positive_extents<Shape<D...>> = ((D > 0) && ...);
template <class S>
struct input_extents_of;
template <int... D>
struct input_extents_of<Shape<D...>> {
  using type = error::input_extents<error::extent<D>...>;
};

/// The names of a model's Inputs (in order) against INPUT_NAME's rule: void, or the diagnosis of the
/// first that breaks it (empty, over 40 characters, or the name of an Input before it).
template <class... In>
struct input_name_rule {
  static constexpr std::array<int, 3> first() {
    int bad = -1, kind = 0, other = -1;
    const std::string_view names[] = {input_name<In>..., {}};
    const bool named[] = {is_named_input<In>..., false};
    for (int p = 0; p < static_cast<int>(sizeof...(In)) && bad < 0; ++p) {
      if (!named[p]) continue;
      if (names[p].empty()) bad = p, kind = 1;
      else if (names[p].size() > 40) bad = p, kind = 2;
      for (int q = 0; q < p && bad < 0; ++q)
        if (named[q] && names[q] == names[p]) bad = p, kind = 3, other = q;
    }
    return {bad, kind, other};
  }
  static constexpr std::array<int, 3> found = first();
  template <int Kind>
  using detail_of = std::conditional_t<Kind == 1, error::name_is_empty,
                                       std::conditional_t<Kind == 2, error::name_over_40_characters,
                                                          error::name_also_given_to_input<found[2]>>>;
  static constexpr auto rule() {
    if constexpr (found[0] < 0)
      return std::type_identity<void>{};
    else
      return std::type_identity<error::INPUT_NAME<
          error::at_model_input, error::named_input<found[0], type_at_t<static_cast<std::size_t>(found[0]), type_list<In...>>>,
          detail_of<found[1]>>>{};
  }
  using type = typename decltype(rule())::type;
};

/// Where the fold starts: the Input's shape, or its mistake (an extent that is dyn or not positive).
template <class In>
struct fold_start {
  using type = trace<In>;
};
template <class In>
  requires(!positive_extents<In>)
struct fold_start<In> {
  using type = mismatch<error::INPUT_NOT_STATIC, error::at_model_input, typename input_extents_of<In>::type>;
};

// Up to 256 layers: one fold expression (the cheapest to compile). Beyond, clang refuses folds of
// more operands, so longer models step one layer at a time (template depth grows with the length).
template <class In, class Ls, class Is>
struct propagate_impl;
template <class In, class... Ls, std::size_t... Is>
  requires(sizeof...(Ls) <= 256)
struct propagate_impl<In, type_list<Ls...>, std::index_sequence<Is...>> {
  using type = decltype((typename fold_start<In>::type{} >> ... >> indexed<static_cast<int>(Is), Ls>{}));
};

template <class State, int I, class... Ls>
struct propagate_stepwise {
  using type = State;
};
template <class State, int I, class L, class... Ls>
struct propagate_stepwise<State, I, L, Ls...> {
  using type = typename propagate_stepwise<decltype(State{} >> indexed<I, L>{}), I + 1, Ls...>::type;
};
template <class In, class... Ls, std::size_t... Is>
  requires(sizeof...(Ls) > 256)
struct propagate_impl<In, type_list<Ls...>, std::index_sequence<Is...>> {
  using type = typename propagate_stepwise<typename fold_start<In>::type, 0, Ls...>::type;
};

/// trace<In, S1, ..., Sn> when every layer takes its input, else failure<I, Layer, mismatch>.
template <class In, class... Ls>
using propagate_t = typename propagate_impl<In, type_list<Ls...>, std::index_sequence_for<Ls...>>::type;

/// A nested model's failure seen from outside: the inner place goes in front of the details.
template <class T>
struct as_nested_result {
  using type = typename T::last;
};
template <int I, class L, template <class...> class Kind, class... D>
struct as_nested_result<failure<I, L, mismatch<Kind, D...>>> {
  using type = mismatch<Kind, error::at_layer<I>, L, D...>;
};
template <template <class...> class Kind, class... D>
struct as_nested_result<mismatch<Kind, D...>> {  // the Input's own mistake
  using type = mismatch<Kind, D...>;
};

template <class T>
struct trace_traits {  // a failure
  static constexpr bool ok = false;
  using output = Shape<>;
  template <std::size_t I>
  using shape = Shape<>;
};
template <class... S>
struct trace_traits<trace<S...>> {
  static constexpr bool ok = true;
  using output = typename trace<S...>::last;
  template <std::size_t I>
  using shape = type_at_t<I, type_list<S...>>;
};

template <class T>
struct is_chain : std::false_type {};

/// Floats rounded up to whole cache lines, so that every arena slot stays aligned.
constexpr std::size_t round_floats(std::size_t n) { return (n + 15) / 16 * 16; }

/// A layer's size in floats on a batch (its scratch, its saved values, its backward scratch).
using size_fn = std::size_t (*)(int);
template <class B>
constexpr std::size_t scratch_of(int batch) {
  return static_cast<std::size_t>(B::scratch_floats(batch));
}
/// A model's bound layers' size functions, one pointer per layer, so that a walk over the sizes at
/// run time is a plain loop: a lambda per layer, as for_each_index gives, made each such walk n
/// functions for the optimizer (a quarter of a graph's compiled code, before inlining).
template <class Storage>
struct layer_sizes {
  static constexpr std::array<size_fn, 0> scratch{}, saved{}, backward_scratch{};
};
template <class... B>
struct layer_sizes<boost::hana::tuple<B...>> {
  static constexpr std::array<size_fn, sizeof...(B)> scratch{&scratch_of<B>...}, saved{&saved_floats_of<B>...},
      backward_scratch{&backward_scratch_of<B>...};
};

template <bool Ok, class Trace, class Ls, class Is>
struct bound_layers {
  using type = boost::hana::tuple<>;
};
template <class Trace, class... Ls, std::size_t... Is>
struct bound_layers<true, Trace, type_list<Ls...>, std::index_sequence<Is...>> {
  using type = boost::hana::tuple<typename Ls::template bind<typename trace_traits<Trace>::template shape<Is>>...>;
};

template <class In, class... Ls>
class chain {
  using trace_type = propagate_t<In, Ls...>;
  using traits = trace_traits<trace_type>;
  static constexpr std::size_t n = sizeof...(Ls);
  static constexpr bool outline = n > outline_above;  // layer steps out of line (layer.hpp says why)
  using storage = typename bound_layers<traits::ok, trace_type, type_list<Ls...>, std::index_sequence_for<Ls...>>::type;
  using sizes = layer_sizes<storage>;
  // Floats of one sample of activation k (0 < k < n); the input (k = 0) and output (k = n) are not in
  // the arena: 0.
  template <std::size_t... K>
  static constexpr std::array<std::size_t, n + 1> sample_floats_table(std::index_sequence<K...>) {
    return {(K == 0 || K == n ? std::size_t{0} : static_cast<std::size_t>(sample_size<typename traits::template shape<K>>))...};
  }
  static constexpr std::array<std::size_t, n + 1> sample_floats = sample_floats_table(std::make_index_sequence<n + 1>{});

 public:
  static constexpr bool ok = traits::ok;
  /// void, or the error type that Sequential reports (e.g. error::WRONG_RANK<at_layer<0>, ...>).
  using diagnosis = diagnosis_t<trace_type>;
  /// What the fold gives a model that uses this chain as one layer.
  using nested_result = typename as_nested_result<trace_type>::type;
  using layers = type_list<Ls...>;
  using input_shape = In;
  /// True when the first layer reads integer token ids (layer.hpp): the chain's input is then int32.
  static constexpr bool takes_token_ids = [] {
    if constexpr (n > 0)
      return takes_token_ids_of<type_at_t<0, type_list<Ls...>>>();
    else
      return false;
  }();
  using output_shape = typename traits::output;
  /// One sample's shape after layer I (I = 0 is the input).
  template <std::size_t I>
  using shape_at = typename traits::template shape<I>;
  /// The bound type of layer I.
  template <std::size_t I>
  using layer_type = std::remove_cvref_t<decltype(boost::hana::at_c<I>(std::declval<storage&>()))>;

  static constexpr long long param_count = [] {
    long long total = 0;
    if constexpr (ok) for_each_index<n>([&](auto i) { total += layer_type<i>::param_count; });
    return total;
  }();
  static constexpr long long non_trainable_count = [] {
    long long total = 0;
    if constexpr (ok) for_each_index<n>([&](auto i) { total += layer_type<i>::non_trainable_count; });
    return total;
  }();
  static constexpr long long trainable_count = param_count - non_trainable_count;

  /// Floats of working memory a forward pass over `batch` samples needs besides its input and output:
  /// the largest input + scratch + output of a layer, as the header says.
  static constexpr std::size_t arena_floats(int batch) {
    if constexpr (!ok || n == 0) {
      return 0;
    } else {
      std::size_t most = 0;
      for (std::size_t i = 0; i < n; ++i)
        most = std::max(most, activation_floats(i, batch) + round_floats(sizes::scratch[i](batch)) + activation_floats(i + 1, batch));
      return most;
    }
  }
  /// forward() by another name, which the model classes' own forward overloads do not hide.
  void run_forward(const float* x, float* y, int batch, float* arena) const { forward(x, y, batch, arena); }
  /// As a layer inside another model, the arena is this chain's scratch.
  static constexpr std::size_t scratch_floats(int batch) { return arena_floats(batch); }

  /// The first layer's id limit (input_dim) when it reads token ids, else 0.
  static constexpr int token_id_limit = [] {
    if constexpr (ok && n > 0)
      return token_id_limit_of<layer_type<0>>();
    else
      return 0;
  }();

  template <std::size_t I>
  constexpr layer_type<I>& layer() {
    return boost::hana::at_c<I>(layers_);
  }
  template <std::size_t I>
  constexpr const layer_type<I>& layer() const {
    return boost::hana::at_c<I>(layers_);
  }

  /// y = model(x) for `batch` samples; `arena` has arena_floats(batch) floats, 64-byte aligned.
  void forward(const float* x, float* y, int batch, float* arena) const {
    if constexpr (ok) {
      const std::size_t total = arena_floats(batch);
      for_each_index<n>([&](auto i) { forward_step(layer<i>(), i, x, y, batch, arena, total); });
    }
  }

  /// Calls f(name_index, leaf) for every leaf layer, depth first; name_index is the layer's position
  /// in all_names<Model>() when this chain's own name sits at `base`.
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
    if constexpr (ok)
      for_each_index<n>([&](auto i) {
        if constexpr (outline)
          outlined_initialize(layer<i>(), rng);
        else
          layer<i>().initialize(rng);
      });
  }

  // ---- Training (layers/layer.hpp has the contract; train/ drives it) --------------------------------
  //
  // `saved` holds, from forward_train to backward: every intermediate activation (layer I's input is
  // activation I), then each layer's own saved floats, then two buffers that carry dL/d(activation)
  // backwards. `scratch` is each layer's working memory in turn: the largest of them.

  /// True when every layer can pass gradients back.
  static constexpr bool trainable_layers = [] {
    bool all = true;
    if constexpr (ok) for_each_index<n>([&](auto i) { all = all && has_backward<layer_type<i>>; });
    return all;
  }();

  static constexpr std::size_t saved_floats(int batch) {
    if constexpr (!ok || n == 0) {
      return 0;
    } else {
      std::size_t total = 0, widest = 0;
      for (std::size_t i = 0; i < n; ++i) {
        total += activation_floats(i, batch) + round_floats(sizes::saved[i](batch));
        widest = std::max(widest, activation_floats(i, batch));
      }
      return total + 2 * widest;
    }
  }
  static constexpr std::size_t backward_scratch_floats(int batch) {
    std::size_t most = 0;
    if constexpr (ok)
      for (std::size_t i = 0; i < n; ++i)
        most = std::max({most, round_floats(sizes::scratch[i](batch)), round_floats(sizes::backward_scratch[i](batch))});
    return most;
  }

  /// The forward pass of training (Keras' training=True), keeping what backward needs in `saved`.
  /// frozen (optional, one flag per layer) marks layers that do not train (Keras' trainable=False).
  void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context& ctx,
                     const bool* frozen = nullptr) {
    if constexpr (ok) {
      const saved_layout t = layout_of(batch);
      const train_args a{x, y, saved, t, scratch, ctx, frozen, batch};
      for_each_index<n>([&](auto i) { forward_train_step(layer<i>(), i, a); });
    }
  }

  /// The backward pass after forward_train(x, y, ...): dx = dL/dx from dy = dL/dy (dx may be null),
  /// and dL/dweights added to grad's arrays (except those of frozen layers).
  void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float* saved,
                float* scratch, chain& grad, const train_context& ctx, const bool* frozen = nullptr) const {
    if constexpr (ok && n > 0) {
      const saved_layout t = layout_of(batch);
      const train_args a{x, const_cast<float*>(y), const_cast<float*>(saved), t, scratch, ctx, frozen, batch};
      // Layer by layer from the last; the gradients alternate between two buffers.
      backward_state st{dy, dx, gradient_ptr(saved, batch, 0), gradient_ptr(saved, batch, 1), false};
      for_each_index<n>([&](auto r) {
        constexpr std::size_t i = n - 1 - r;
        if (!st.done) backward_step(layer<i>(), grad.template layer<i>(), i, a, st);
      });
    }
  }
  /// The last layer's pre-activation, when it has one (a fused Softmax or Sigmoid), after forward_train.
  static constexpr bool has_logits = [] {
    if constexpr (ok && n > 0) {
      if constexpr (requires { layer_type<n - 1>::has_logits; }) return layer_type<n - 1>::has_logits;
    }
    return false;
  }();
  const float* logits(const float* saved, int batch) const {
    if constexpr (has_logits)
      return layer<n - 1>().logits(saved + layout_of(batch).layer[n - 1]);
    else
      return nullptr;
  }
  /// The fused activation of the last layer (Linear when it has none): what a cross-entropy checks.
  // (A trait, not a lambda in decltype: clang 14 crashes reading those back from a precompiled header.)
  using output_activation = typename fused_activation_at<ok && (n > 0), (n > 0 ? n - 1 : 0), type_list<Ls...>>::type;
  template <class F>
  constexpr void for_each_weight(F&& f) {
    visit_leaves([&](int, auto& leaf) { leaf.for_each_weight(f); }, 0);
  }

 private:
  // Intermediate activation k (0 < k < n) in floats; the input (k = 0) and output (k = n) are not in the arena.
  static constexpr std::size_t activation_floats(std::size_t k, int batch) {
    return round_floats(sample_floats[k] * static_cast<std::size_t>(batch));
  }
  // Activation k of a forward pass: the odd ones at the arena's front, the even ones at its end.
  static float* slot(std::size_t k, float* arena, int batch, std::size_t total) {
    return k % 2 == 1 ? arena : arena + (total - activation_floats(k, batch));
  }
  // Each step is a function of its layer's type, the layer's place read at run time: the layers of
  // one type and shape (a deep model's repeated blocks) share one copy.
  template <class L>
  static void forward_step(const L& layer, std::size_t i, const float* x, float* y, int batch, float* arena,
                           std::size_t total) {
    const float* in = i == 0 ? x : slot(i, arena, batch, total);
    float* out = i + 1 == n ? y : slot(i + 1, arena, batch, total);
    // The odd one of (i, i + 1) is at the front; the scratch follows it.
    float* scratch = arena + activation_floats(i % 2 == 1 ? i : i + 1, batch);
    if constexpr (outline)
      outlined_forward(layer, in, out, batch, scratch);
    else
      layer.forward(in, out, batch, scratch);
  }

  // The saved layout of training (see saved_floats): where activation k and layer i's saved floats
  // start, computed in one walk over the tables. (Summing the sizes before each one, per layer,
  // instantiated n^2 little functions: 4,000 of them in a 50-layer model, much of its -O2 time.)
  struct saved_layout {
    std::size_t activation[n + 1];
    std::size_t layer[n + 1];  // (n + 1: no zero-length array for an empty chain)
  };
  static saved_layout layout_of(int batch) {
    saved_layout t{};
    std::size_t off = 0;
    for (std::size_t k = 0; k < n; ++k) {
      t.activation[k] = off;
      off += activation_floats(k, batch);
    }
    t.activation[n] = off;
    for (std::size_t k = 0; k < n; ++k) {
      t.layer[k] = off;
      off += round_floats(sizes::saved[k](batch));
    }
    return t;
  }
  static float* gradient_ptr(const float* saved, int batch, int which) {
    std::size_t widest = 0;
    for (std::size_t k = 0; k < n; ++k) widest = std::max(widest, activation_floats(k, batch));
    return const_cast<float*>(saved) + (saved_floats(batch) - (2 - which) * widest);
  }
  struct train_args {
    const float* x;
    float* y;
    float* saved;
    const saved_layout& t;
    float* scratch;
    const train_context& ctx;
    const bool* frozen;
    int batch;
  };
  template <class L>
  static void forward_train_step(L& layer, std::size_t i, const train_args& a) {
    const float* in = i == 0 ? a.x : a.saved + a.t.activation[i];
    float* out = i + 1 == n ? a.y : a.saved + a.t.activation[i + 1];
    train_context c = a.ctx;
    c.trainable = a.ctx.trainable && !(a.frozen && a.frozen[i]);
    float* saved_i = a.saved + a.t.layer[i];
    if constexpr (outline)
      outlined_forward_train(layer, in, out, a.batch, saved_i, a.scratch, c);
    else
      forward_train_of(layer, in, out, a.batch, saved_i, a.scratch, c);
  }
  struct backward_state {
    const float* dy;  // the gradient with respect to the current layer's output
    float* dx;        // the caller's, for the input's gradient (may be null)
    float* ping;
    float* pong;
    bool done;  // no layer before this one needs a gradient
  };
  template <class L>
  static void backward_step(const L& layer, L& grad_layer, std::size_t i, const train_args& a, backward_state& st) {
    const float* in = i == 0 ? a.x : a.saved + a.t.activation[i];
    const float* out = i + 1 == n ? a.y : a.saved + a.t.activation[i + 1];
    // When the caller wants no dx and every layer before this one is frozen (fine-tuning the last
    // layers), no gradient needs to go further back: this layer writes no dx and the pass ends here.
    bool below_frozen = st.dx == nullptr && a.frozen != nullptr;
    for (std::size_t k = 0; k < i && below_frozen; ++k) below_frozen = a.frozen[k];
    float* din = i == 0 ? st.dx : (below_frozen ? nullptr : st.ping);
    train_context c = a.ctx;
    c.trainable = a.ctx.trainable && !(a.frozen && a.frozen[i]);
    c.dy_is_logits = a.ctx.dy_is_logits && i + 1 == n;
    const float* saved_i = a.saved + a.t.layer[i];
    if constexpr (outline)
      outlined_backward(layer, grad_layer, c, in, out, st.dy, din, a.batch, saved_i, a.scratch);
    else
      layer.backward(in, out, st.dy, din, a.batch, saved_i, a.scratch, grad_layer, c);
    st.done = i == 0 || below_frozen;
    st.dy = st.ping;
    std::swap(st.ping, st.pong);
  }

  template <class Self, class F>
  static constexpr void visit_impl(Self& self, F& f, int base) {
    if constexpr (ok) {
      int index = base + 1;
      for_each_index<n>([&](auto i) {
        auto& l = self.template layer<i>();
        if constexpr (is_chain<std::remove_cvref_t<decltype(l)>>::value)
          l.visit_leaves(f, index);
        else
          f(index, l);
        index += name_count<type_at_t<i, type_list<Ls...>>>();
      });
    }
  }

  storage layers_{};
};

template <class In, class... Ls>
struct is_chain<chain<In, Ls...>> : std::true_type {};



}  // namespace tshape::detail
