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
#include "../shape/shape.hpp"
#include "../tensor/tensor.hpp"

namespace tshape {

/// The members every layer spec has (the rest are documented above; templates cannot be checked here).
template <class L>
concept layer_spec = requires {
  { L::keras_class } -> std::convertible_to<std::string_view>;
  { L::keras_name } -> std::convertible_to<std::string_view>;
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

/// A small, fast, reproducible generator for initializers (splitmix64).
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
  float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>((next() >> 40) * 0x1.0p-24); }

 private:
  std::uint64_t state_;
};

/// Keras' glorot_uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)).
template <class View>
void glorot_uniform(const View& w, double fan_in, double fan_out, rng& r) {
  const float limit = static_cast<float>(std::sqrt(6.0 / (fan_in + fan_out)));
  for (auto& v : w) v = r.uniform(-limit, limit);
}

/// Per-sample element count of a shape (all extents static in a model).
template <class S>
inline constexpr std::ptrdiff_t sample_size = static_cast<std::ptrdiff_t>(S::static_size);

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
};

}  // namespace detail
}  // namespace tshape
