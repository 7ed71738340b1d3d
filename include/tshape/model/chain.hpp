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
#include <cstddef>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>

#include "../diagnostics/error.hpp"
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

template <class... S, int I, class L>
constexpr auto operator>>(trace<S...>, indexed<I, L>) {
  using R = decltype(L::infer(typename trace<S...>::last{}));
  if constexpr (is_shape_v<R>)
    return trace<S..., R>{};
  else
    return failure<I, L, R>{};
}
template <int I, class L, class M, int J, class L2>
constexpr auto operator>>(failure<I, L, M> f, indexed<J, L2>) {
  return f;
}

// Up to 256 layers: one fold expression (the cheapest to compile). Beyond, clang refuses folds of
// more operands, so longer models step one layer at a time (template depth grows with the length).
template <class In, class Ls, class Is>
struct propagate_impl;
template <class In, class... Ls, std::size_t... Is>
  requires(sizeof...(Ls) <= 256)
struct propagate_impl<In, type_list<Ls...>, std::index_sequence<Is...>> {
  using type = decltype((trace<In>{} >> ... >> indexed<static_cast<int>(Is), Ls>{}));
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
  using type = typename propagate_stepwise<trace<In>, 0, Ls...>::type;
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
  using storage = typename bound_layers<traits::ok, trace_type, type_list<Ls...>, std::index_sequence_for<Ls...>>::type;

 public:
  static constexpr bool ok = traits::ok;
  /// void, or the error type that Sequential reports (e.g. error::WRONG_RANK<at_layer<0>, ...>).
  using diagnosis = diagnosis_t<trace_type>;
  /// What the fold gives a model that uses this chain as one layer.
  using nested_result = typename as_nested_result<trace_type>::type;
  using layers = type_list<Ls...>;
  using input_shape = In;
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
      for_each_index<n>([&](auto i) {
        most = std::max(most, activation_floats<i>(batch) + round_floats(layer_type<i>::scratch_floats(batch)) +
                                  activation_floats<i + 1>(batch));
      });
      return most;
    }
  }
  /// As a layer inside another model, the arena is this chain's scratch.
  static constexpr std::size_t scratch_floats(int batch) { return arena_floats(batch); }

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
      for_each_index<n>([&](auto i) { run_layer<i>(x, y, batch, arena, total); });
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
    if constexpr (ok) for_each_index<n>([&](auto i) { layer<i>().initialize(rng); });
  }
  template <class F>
  constexpr void for_each_weight(F&& f) {
    visit_leaves([&](int, auto& leaf) { leaf.for_each_weight(f); }, 0);
  }

 private:
  // Intermediate activation k (0 < k < n) in floats; the input (k = 0) and output (k = n) are not in the arena.
  template <std::size_t K>
  static constexpr std::size_t activation_floats(int batch) {
    if constexpr (K == 0 || K == n)
      return 0;
    else
      return round_floats(static_cast<std::size_t>(sample_size<shape_at<K>>) * static_cast<std::size_t>(batch));
  }
  template <std::size_t K>
  static float* slot(float* arena, int batch, std::size_t total) {
    if constexpr (K % 2 == 1)
      return arena;
    else
      return arena + (total - activation_floats<K>(batch));
  }
  template <std::size_t I>
  void run_layer(const float* x, float* y, int batch, float* arena, std::size_t total) const {
    const float* in;
    if constexpr (I == 0)
      in = x;
    else
      in = slot<I>(arena, batch, total);
    float* out;
    if constexpr (I + 1 == n)
      out = y;
    else
      out = slot<I + 1>(arena, batch, total);
    // The odd one of (I, I + 1) is at the front; the scratch follows it.
    constexpr std::size_t front = I % 2 == 1 ? I : I + 1;
    float* scratch = arena + activation_floats<front>(batch);
    layer<I>().forward(in, out, batch, scratch);
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
