// What a layer is. A layer *spec* (Dense<128, ReLU>) holds options only; the model *binds* it to
// the shape of one sample it receives, and the bound layer knows its output shape, owns its
// parameters and runs. A new layer is one header that provides the members below; nothing else in
// the library needs to change.
//
// A layer spec L provides
//   static constexpr std::string_view keras_class;   // "Dense": the class column of the summary
//   static constexpr std::string_view keras_name;    // "dense": the base of its default name
//   template <int... D> static constexpr auto infer(Shape<D...>);
//       // the shape rule: one sample's output Shape, or a tshape::mismatch<Kind, Details...> saying
//       // why this input cannot be taken. It never asserts (diagnostics/error.hpp).
//   template <class In> using bind = ...;              // the bound layer for one sample of shape In
//
// A bound layer B (for input In, where infer(In) is a Shape) provides
//   using input_shape, output_shape;                   // one sample's shapes
//   static constexpr long long param_count;            // as Keras' count_params()
//   static constexpr long long non_trainable_count;    // e.g. BatchNormalization's moving statistics
//   static constexpr std::size_t scratch_floats(int batch);  // working memory beyond input and output
//   void forward(const float* x, float* y, int batch, float* scratch) const;
//       // y = layer(x) for `batch` samples, contiguous and row-major; x and y never overlap.
//       // const: inference is safe from several threads at once on the same object.
//   template <class F> constexpr void for_each_weight(F&& f);  // f(weight name, TensorView) in get_weights()
//       // order; constexpr (with constexpr accessors), so that set_weights can build a model at compile time
//   template <class Rng> void initialize(Rng& rng);    // Keras' default initializers
//   and accessors named as Keras names the arrays: kernel(), bias(), ...
//
// Training. A bound layer that trains, or passes gradients on, also provides
//   void backward(const float* x, const float* y, const float* dy, float* dx, int batch,
//                 const float* saved, float* scratch, B& grad, const train_context& ctx) const;
//       // given x and y of the forward_train that came before and dy = dL/dy, writes dx = dL/dx
//       // (unless dx is null: nothing before wants it) and, when ctx.trainable, ADDS dL/dweight to
//       // grad's arrays (grad is a bound layer of the same type: gradients mirror the weights, so
//       // for_each_weight walks both alike). dy is dL/d(pre-activation) when ctx.dy_is_logits.
// and, where it differs from the defaults (none, forward(), and the trainable arrays = all arrays),
//   static constexpr std::size_t saved_floats(int batch);           // kept from forward_train for backward
//   static constexpr std::size_t backward_scratch_floats(int batch); // working memory of backward
//   void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context&);
//       // Keras' call(training=True): batch statistics, dropout masks; may update state (moving means)
//   template <class F> void for_each_trainable(F&& f);               // the arrays an optimizer updates
//   static constexpr bool has_logits;  const float* logits(const float* saved) const;
//       // a fused Softmax or Sigmoid output: its pre-activation, which Keras' cross-entropies read
// forward_train and backward each get max(scratch_floats, backward_scratch_floats) floats of scratch.
//
// Merge layers (Add, Concatenate, ...: several inputs, functional models only) differ in three places:
//   static constexpr bool is_merge = true;
//   template <class... S> static constexpr auto infer_merge(S...);
//       // S... are the inputs' per-sample Shapes (at least two): the output Shape, or a mismatch whose
//       // details name every input's shape (error::input_shape<None, D...> each) and what is wrong
//   template <class... In> using bind = ...;             // bound for inputs of shapes In...
// and the bound layer's forward and backward take one pointer per input:
//   void forward(const float* const* x, float* y, int batch, float* scratch) const;
//   void backward(const float* const* x, const float* y, const float* dy, float* const* dx, int batch,
//                 const float* saved, float* scratch, B& grad, const train_context& ctx) const;  // dx[i] may be null
#pragma once
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../diagnostics/error.hpp"
#include "node.hpp"
#include "../shape/shape.hpp"
#include "../tensor/tensor.hpp"

namespace tshape {

/// The members every layer spec has (the rest are documented above; templates cannot be checked here).
template <class L>
concept layer_spec = requires {
  { L::keras_class } -> std::convertible_to<std::string_view>;
  { L::keras_name } -> std::convertible_to<std::string_view>;
};

namespace detail {
class rng;
}

/// What a training pass tells each layer (Keras' training= and trainable).
struct train_context {
  detail::rng* rng = nullptr;  // dropout's masks
  bool training = true;        // false: every layer as at inference (BatchNormalization's moving statistics)
  bool trainable = true;       // false: a frozen layer, no weight gradients (and, as Keras 2, BN at inference)
  bool dy_is_logits = false;   // the last layer's dy is dL/d(pre-activation) (Keras' cross-entropy on logits)
  unsigned logits_outputs = 0;  // a model of several outputs: bit j, the same for output j's dy
};

/// Option: Dense<64, ReLU, UseBias<false>> drops the bias, as Keras' use_bias=False.
template <bool B>
struct UseBias {
  static constexpr bool value = B;
};

namespace detail {

template <class... T>
struct type_list {};

// Type I of a list, without recursion (so that long models stay within template depth limits):
// the list becomes a class with one base per element, and overload resolution picks base I.
template <std::size_t I, class T>
struct type_slot {
  using type = T;
};
template <class Is, class... T>
struct type_slots;
template <std::size_t... Is, class... T>
struct type_slots<std::index_sequence<Is...>, T...> : type_slot<Is, T>... {};
template <std::size_t I, class T>
type_slot<I, T> pick_slot(const type_slot<I, T>&);

template <std::size_t I, class List>
struct type_at;
template <std::size_t I, class... T>
struct type_at<I, type_list<T...>> {
  using type = typename decltype(pick_slot<I>(type_slots<std::index_sequence_for<T...>, T...>{}))::type;
};
template <std::size_t I, class List>
using type_at_t = typename type_at<I, List>::type;

/// The fused activation of layer I of List when Has (void when Has is false or the layer declares
/// none). Has guards I: layer I is only looked at when it exists.
template <bool Has, std::size_t I, class List>
struct fused_activation_at {
  using type = void;
};
template <std::size_t I, class List>
  requires requires { typename type_at_t<I, List>::activation; }
struct fused_activation_at<true, I, List> {
  using type = typename type_at_t<I, List>::activation;
};

/// Calls f(std::integral_constant<std::size_t, I>{}) for I = 0 .. N-1, in order. Folds in chunks of
/// 128, because compilers limit how many operands one fold expression may have (clang: 256).
template <std::size_t Offset, class F, std::size_t... I>
constexpr void for_each_index_chunk(F& f, std::index_sequence<I...>) {
  (f(std::integral_constant<std::size_t, Offset + I>{}), ...);
}
template <std::size_t N, std::size_t Offset = 0, class F>
constexpr void for_each_index(F&& f) {
  if constexpr (Offset < N) {
    constexpr std::size_t n = N - Offset < 128 ? N - Offset : 128;
    for_each_index_chunk<Offset>(f, std::make_index_sequence<n>{});
    for_each_index<N, Offset + n>(f);
  }
}

template <class T>
struct is_use_bias : std::false_type {};
template <bool B>
struct is_use_bias<UseBias<B>> : std::true_type {};

/// The first option satisfying Pred, or Default.
template <template <class> class Pred, class Default, class... Options>
struct find_option {
  using type = Default;
};
template <template <class> class Pred, class Default, class First, class... Rest>
struct find_option<Pred, Default, First, Rest...> {
  using type = std::conditional_t<Pred<First>::value, First, typename find_option<Pred, Default, Rest...>::type>;
};
template <template <class> class Pred, class Default, class... Options>
using option_t = typename find_option<Pred, Default, Options...>::type;

template <template <class> class Pred, class... Options>
inline constexpr int count_options = (0 + ... + (Pred<Options>::value ? 1 : 0));

// Option rules. A layer checks its options in `option_rule()`, which gives void or a mismatch
// (UNKNOWN_OPTION, REPEATED_OPTION, BAD_OPTION_VALUE); its infer returns that mismatch before any
// shape rule, so an option mistake is reported once, by the model, like every shape rule, and the
// layer's type stays valid for whatever else names it (no second error).

/// The first option Takes rejects, or void.
template <template <class> class Takes, class... Options>
struct first_rejected {
  using type = void;
};
template <template <class> class Takes, class First, class... Rest>
struct first_rejected<Takes, First, Rest...> {
  using type = std::conditional_t<Takes<First>::value, typename first_rejected<Takes, Rest...>::type, First>;
};

/// error::given_together<the options of Options... that Pred selects>.
template <template <class> class Pred, class Kept, class... Options>
struct select_options {
  using type = Kept;
};
template <template <class> class Pred, class... Kept, class First, class... Rest>
struct select_options<Pred, error::given_together<Kept...>, First, Rest...> {
  using type = typename select_options<
      Pred, std::conditional_t<Pred<First>::value, error::given_together<Kept..., First>, error::given_together<Kept...>>,
      Rest...>::type;
};

/// The rule that Options... are all taken (Takes) and each kind (Kinds) given at most once; It
/// lists what the layer takes, as error::it_takes<...>.
template <class It, template <class> class Takes, class Options, template <class> class... Kinds>
struct options_rule;
template <class It, template <class> class Takes, class... Options, template <class> class... Kinds>
struct options_rule<It, Takes, type_list<Options...>, Kinds...> {
  template <template <class> class... Ks>
  struct first_repeated {
    using type = void;
  };
  template <template <class> class K, template <class> class... Ks>
  struct first_repeated<K, Ks...> {
    using type = std::conditional_t<(count_options<K, Options...> > 1),
                                    mismatch<error::REPEATED_OPTION,
                                             typename select_options<K, error::given_together<>, Options...>::type>,
                                    typename first_repeated<Ks...>::type>;
  };
  using rejected = typename first_rejected<Takes, Options...>::type;
  using type = std::conditional_t<std::is_void_v<rejected>, typename first_repeated<Kinds...>::type,
                                  mismatch<error::UNKNOWN_OPTION, error::not_an_option_of_it<rejected>, It>>;
};
/// void when the options pass, else the mismatch to report.
template <class It, template <class> class Takes, class Options, template <class> class... Kinds>
using options_rule_t = typename options_rule<It, Takes, Options, Kinds...>::type;

/// A small, fast, reproducible generator for initializers, shuffles and dropout (splitmix64).
class rng {
 public:
  explicit constexpr rng(std::uint64_t seed = 0) : state_(seed) {}
  constexpr std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [lo, hi).
  float uniform(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>(static_cast<double>(next() >> 40) * 0x1.0p-24);
  }

 private:
  std::uint64_t state_;
};

/// Keras' glorot_uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), over n floats. Initializers
/// are cold code: one copy serves every layer and shape (a copy per kernel shape, unrolled, cost every
/// model's -O2 time and bought nothing).
TSHAPE_NOINLINE inline void glorot_uniform_fill(float* w, std::ptrdiff_t n, double fan_in, double fan_out, rng& r) {
  const float limit = static_cast<float>(std::sqrt(6.0 / (fan_in + fan_out)));
  TSHAPE_NO_UNROLL for (std::ptrdiff_t i = 0; i < n; ++i) w[i] = r.uniform(-limit, limit);
}
template <class View>
void glorot_uniform(const View& w, double fan_in, double fan_out, rng& r) {
  glorot_uniform_fill(w.data(), static_cast<std::ptrdiff_t>(w.size()), fan_in, fan_out, r);
}

/// Per-sample element count of a shape (all extents static in a model).
template <class S>
inline constexpr std::ptrdiff_t sample_size = static_cast<std::ptrdiff_t>(S::static_size);

// The training members of a bound layer, with their defaults (see the header).
template <class B>
constexpr std::size_t saved_floats_of(int batch) {
  if constexpr (requires { B::saved_floats(batch); })
    return B::saved_floats(batch);
  else
    return 0;
}
template <class B>
constexpr std::size_t backward_scratch_of(int batch) {
  if constexpr (requires { B::backward_scratch_floats(batch); })
    return B::backward_scratch_floats(batch);
  else
    return 0;
}
template <class B>
void forward_train_of(B& layer, const float* x, float* y, int batch, float* saved, float* scratch,
                      const train_context& ctx) {
  if constexpr (requires { layer.forward_train(x, y, batch, saved, scratch, ctx); })
    layer.forward_train(x, y, batch, saved, scratch, ctx);
  else
    layer.forward(x, y, batch, scratch);
}

// Models of more than outline_above layers run each layer's steps through these: one function per
// layer type and step, kept out of line, so that the model's walk is a row of calls and the optimizer
// sees small functions. Inlined, a 200-layer MLP's forward and initialize walks were each one function
// holding every layer's code, most of its -O2 time. A call is nothing beside a layer's work; shorter
// models keep the steps inlined.
inline constexpr std::size_t outline_above = 16;
template <class B, class... A>
TSHAPE_NOINLINE void outlined_forward(const B& layer, A... args) {
  layer.forward(args...);
}
template <class B, class... A>
TSHAPE_NOINLINE void outlined_forward_train(B& layer, A... args) {
  forward_train_of(layer, args...);
}
template <class B, class G, class... A>
TSHAPE_NOINLINE void outlined_backward(const B& layer, G& grad, const train_context& ctx, A... args) {
  layer.backward(args..., grad, ctx);
}
template <class B, class R>
TSHAPE_NOINLINE void outlined_initialize(B& layer, R& rng) {
  layer.initialize(rng);
}

template <class B, class F>
constexpr void for_each_trainable_of(B& layer, F&& f) {
  if constexpr (requires { layer.for_each_trainable(f); })
    layer.for_each_trainable(f);
  else
    layer.for_each_weight(f);
}
/// True for a bound layer that can pass gradients back (every layer that trains has backward()).
template <class B>
concept has_backward = requires(const B& l, B& g, const float* c, float* m, const train_context& ctx) {
  l.backward(c, c, c, m, 0, c, m, g, ctx);
} || requires(const B& l, B& g, const float* const* cs, float* const* ms, const float* c, float* m, const train_context& ctx) {
  l.backward(cs, c, c, ms, 0, c, m, g, ctx);  // a merge layer: one pointer per input
};

// Token ids. A layer spec with `static constexpr bool takes_token_ids = true` (Embedding) reads
// integer ids, not floats: it must be a model's first layer (the fold reports one anywhere else), and
// the model's input is then int32. The ids travel through the float pointers of the layer interface as
// the int32 array's address, converted back by the layer that reads them: nothing reads them as floats.
template <class L>
constexpr bool takes_token_ids_of() {
  if constexpr (requires { L::takes_token_ids; })
    return L::takes_token_ids;
  else
    return false;
}
/// The bound layer's largest id + 1 (0: it takes no ids).
template <class B>
constexpr int token_id_limit_of() {
  if constexpr (requires { B::token_id_limit; })
    return B::token_id_limit;
  else
    return 0;
}
/// The element type of the data a model takes: int32 for one that reads token ids, else float.
template <class Net>
struct input_element_of {
  using type = float;
};
template <class Net>
  requires requires { typename Net::input_element; }
struct input_element_of<Net> {
  using type = typename Net::input_element;
};
template <class Net>
using input_element_t = typename input_element_of<Net>::type;
inline const float* as_input_pointer(const float* p) { return p; }
inline const float* as_input_pointer(const std::int32_t* p) { return reinterpret_cast<const float*>(p); }
inline const std::int32_t* as_token_ids(const float* p) { return reinterpret_cast<const std::int32_t*>(p); }

/// The members of a bound layer that has no parameters and needs no scratch.
struct no_parameters {
  static constexpr long long param_count = 0;
  static constexpr long long non_trainable_count = 0;
  static constexpr std::size_t scratch_floats(int) { return 0; }
  template <class F>
  constexpr void for_each_weight(F&&) {}
  template <class F>
  constexpr void for_each_weight(F&&) const {}
  template <class R>
  void initialize(R&) {}
};

/// A bound layer that only gives its input another shape (Flatten, Reshape, Dropout at inference):
/// the elements are copied in order.
template <class In, class Out>
struct relabel_layer : no_parameters {
  using input_shape = In;
  using output_shape = Out;
  void forward(const float* x, float* y, int batch, float*) const {
    // No copy for no samples; the test also keeps g++ 12 from reading a negative batch as a copy of
    // nearly SIZE_MAX bytes (-Wstringop-overflow).
    if (batch > 0) std::copy_n(x, sample_size<In> * batch, y);
  }
  void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*,
                relabel_layer&, const train_context&) const {
    if (dx && batch > 0) std::copy_n(dy, sample_size<In> * batch, dx);
  }
};

}  // namespace detail
}  // namespace tshape
