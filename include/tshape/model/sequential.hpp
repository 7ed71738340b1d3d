// Sequential<Input<...>, Layers...>: a model whose layers run one after the other, as Keras'.
//
// Shapes are checked when the type is named: a layer that cannot take what the one before gives is a
// compile error that names its position (0-based, Input excluded, as in Keras' summary), the layer,
// what it expected and what it got. Calling the model checks the data the same way, at compile time
// for static extents and at run time for `dyn` ones.
//
// Without an Input, Sequential<Layers...> is a block: a layer that adapts to whatever it is fed. With
// an Input, used inside another model, it checks that it is fed the shape it declares.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>

#include "../config.hpp"
#include "../diagnostics/error.hpp"
#include "../diagnostics/runtime.hpp"
#include "../diagnostics/shape_rules.hpp"
#include "../layers/input.hpp"
#include "../tensor/tensor.hpp"
#include "chain.hpp"

namespace tshape {

namespace detail {

/// A Sequential without Input has no shapes until a model binds it; as a model it has nothing to run.
struct unbound_block {
  static constexpr bool ok = true;
  using diagnosis = void;
};

template <class First, class... Rest>
struct sequential_parts {
  static constexpr bool has_input = false;
  using layers = type_list<First, Rest...>;
  using body = unbound_block;
  template <class In>
  using bound = chain<In, First, Rest...>;
};
template <int... D, class... Rest>
struct sequential_parts<Input<D...>, Rest...> {
  static constexpr bool has_input = true;
  using layers = type_list<Rest...>;
  using body = chain<Shape<D...>, Rest...>;
  template <class>
  using bound = body;
};

/// The diagnosis of data of element type T and shape S (batch axis first) fed to a model whose Input
/// is InputLayer: std::type_identity<void> when it fits.
template <class InputLayer, class T, class S>
constexpr auto input_diagnosis() {
  using Declared = typename InputLayer::shape;
  using Expected = prepend_t<dyn, Declared>;
  if constexpr (!std::is_same_v<std::remove_cv_t<T>, float>) {
    return std::type_identity<
        error::DTYPE_MISMATCH<error::at_model_input, error::expected_dtype<float>, error::but_got_dtype<T>>>{};
  } else {
    constexpr auto v = check_extents(S::extents, Expected::extents);
    if constexpr (v.code == errc::ok)
      return std::type_identity<void>{};
    else if constexpr (v.code == errc::wrong_rank && v.fix == fix_kind::expand_dims)
      return std::type_identity<error::WRONG_RANK<error::at_model_input, InputLayer, error::expected<Declared>,
                                                  error::got_tensor<S>, error::fix_with_expand_dims<v.fix_axis>>>{};
    else if constexpr (v.code == errc::wrong_rank && v.fix == fix_kind::squeeze)
      return std::type_identity<error::WRONG_RANK<error::at_model_input, InputLayer, error::expected<Declared>,
                                                  error::got_tensor<S>, error::fix_with_squeeze<v.fix_axis>>>{};
    else if constexpr (v.code == errc::wrong_rank)
      return std::type_identity<
          error::WRONG_RANK<error::at_model_input, InputLayer, error::expected<Declared>, error::got_tensor<S>>>{};
    else
      return std::type_identity<
          error::SHAPE_MISMATCH<error::at_model_input, InputLayer, error::expected<Declared>, error::got_tensor<S>>>{};
  }
}

/// What a call on a model that failed to compile returns: converts to anything, so that the one
/// reported error is not followed by others in the code that uses the result.
struct failed_model_output {
  template <class T>
  operator T() const {  // NOLINT: implicit by design
    return T{};
  }
};

#ifndef TSHAPE_NO_HEAP
/// Per-thread scratch for forward passes too large for the stack; grows, never shrinks.
inline float* thread_arena(std::size_t floats) {
  thread_local std::unique_ptr<float[], aligned_delete> buffer;
  thread_local std::size_t capacity = 0;
  if (capacity < floats) {
    buffer.reset(aligned_new<float>(static_cast<std::ptrdiff_t>(floats)));
    capacity = floats;
  }
  return buffer.get();
}
#endif

}  // namespace detail

template <class First, class... Rest>
class Sequential : public detail::sequential_parts<First, Rest...>::body {
  using parts = detail::sequential_parts<First, Rest...>;
  using body = typename parts::body;

 public:
  static constexpr std::string_view keras_class = "Sequential";
  static constexpr std::string_view keras_name = "sequential";
  /// The layers, Input excluded: what layer<I> counts.
  using layers = typename parts::layers;
  static constexpr bool has_input = parts::has_input;

  /// The report: one static_assert per kind of rule, of which at most one fails.
  using diagnosis = typename body::diagnosis;
  static_assert(no_error<only<error::SHAPE_MISMATCH, diagnosis>>, TSHAPE_MSG_SHAPE_MISMATCH);
  static_assert(no_error<only<error::WRONG_RANK, diagnosis>>, TSHAPE_MSG_WRONG_RANK);
  static_assert(no_error<only<error::WINDOW_LARGER_THAN_INPUT, diagnosis>>, TSHAPE_MSG_WINDOW_LARGER_THAN_INPUT);
  static_assert(no_error<only<error::ELEMENT_COUNT_MISMATCH, diagnosis>>, TSHAPE_MSG_ELEMENT_COUNT_MISMATCH);
  static_assert(no_error<only<error::INVALID_OPTION, diagnosis>>, TSHAPE_MSG_INVALID_OPTION);

  /// As a layer of another model: checks the declared Input (if any), then runs the fold.
  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (has_input) {
      using Declared = typename body::input_shape;
      if constexpr (!compatible_v<Shape<D...>, Declared>)
        return mismatch<error::SHAPE_MISMATCH, error::expected<Declared>, error::got<Shape<D...>>>{};
      else
        return typename body::nested_result{};
    } else {
      return typename detail::chain<Shape<D...>, First, Rest...>::nested_result{};
    }
  }
  template <class In>
  using bind = typename parts::template bound<In>;

  /// Bytes of parameters, and of working memory for one sample's forward pass (input and output
  /// excluded): what an embedded build budgets for.
  static constexpr std::size_t param_bytes = [] {
    if constexpr (has_input) return static_cast<std::size_t>(body::param_count) * sizeof(float);
    else return std::size_t{0};
  }();
  static constexpr std::size_t arena_bytes(int batch) {
    if constexpr (has_input) return body::arena_floats(batch) * sizeof(float);
    else return 0;
  }
  static constexpr std::size_t activation_bytes = arena_bytes(1);

  /// The diagnosis of a call on data X (void when X fits): what every call operator reports.
  template <class X>
  using call_diagnosis = typename decltype(detail::input_diagnosis<First, typename X::value_type, typename X::shape>())::type;

  /// Runs the model on a batch x (a Tensor or TensorView): its first axis is the batch (static or dyn).
  /// Returns a new Tensor whose batch axis is x's.
  template <class X>
    requires is_tensor<X>::value
  auto operator()(const X& x) const {
    static_assert(has_input, "tshape: a model needs an Input<...> as its first layer to be called");
    using S = typename X::shape;
    using D = call_diagnosis<X>;
    static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    if constexpr (std::is_void_v<D> && std::is_void_v<diagnosis>) {
      using Out = prepend_t<S::extents[0], typename body::output_shape>;
      const TensorView<const float, S> xv = x;
      auto y = [&] {
        if constexpr (S::extents[0] == dyn)
          return Tensor<float, Out>(xv.template extent<0>());
        else
          return Tensor<float, Out>();
      }();
      forward(xv, y.view());
      return y;
    } else {
      return detail::failed_model_output{};
    }
  }

  /// y = model(x) into the caller's tensor. Scratch goes on the stack when the batch is static and
  /// small enough (TSHAPE_STACK_ARENA_BYTES), else in a per-thread buffer reused across calls.
  template <class TX, class SX, class SY>
    requires std::is_same_v<std::remove_const_t<TX>, float>
  void forward(const TensorView<TX, SX>& x, const TensorView<float, SY>& y) const {
    const int batch = check_call(x, y);
    constexpr int B = SX::extents[0] != dyn ? SX::extents[0] : SY::extents[0];
    if constexpr (B != dyn && arena_bytes(B) <= TSHAPE_STACK_ARENA_BYTES) {
      alignas(TSHAPE_ALIGN) float arena[body::arena_floats(B) > 0 ? body::arena_floats(B) : 1];
      body::forward(x.data(), y.data(), batch, arena);
    } else {
#ifdef TSHAPE_NO_HEAP
      static_assert(B != dyn && arena_bytes(B) <= TSHAPE_STACK_ARENA_BYTES,
                    "tshape: TSHAPE_NO_HEAP is set and this forward pass needs more scratch than the stack allows: "
                    "pass your own arena of arena_bytes(batch) bytes to forward(x, y, arena)");
#else
      body::forward(x.data(), y.data(), batch, detail::thread_arena(body::arena_floats(batch)));
#endif
    }
  }
  /// y = model(x) with the caller's scratch: at least arena_bytes(batch) bytes, 64-byte aligned.
  template <class TX, class SX, class SY>
    requires std::is_same_v<std::remove_const_t<TX>, float>
  void forward(const TensorView<TX, SX>& x, const TensorView<float, SY>& y, std::span<std::byte> arena) const {
    const int batch = check_call(x, y);
    if (arena.size() < arena_bytes(batch) || reinterpret_cast<std::uintptr_t>(arena.data()) % TSHAPE_ALIGN != 0) {
      static_text<160> d("the arena has ");
      d.append(static_cast<long long>(arena.size())).append(" bytes; this batch needs ");
      d.append(static_cast<long long>(arena_bytes(batch))).append(", aligned to ").append(TSHAPE_ALIGN);
      raise(make_error(errc::bad_data, d.view()));
    }
    body::forward(x.data(), y.data(), batch, reinterpret_cast<float*>(arena.data()));
  }

 private:
  // Checks the shapes of a call; returns the batch. Static extents are checked at compile time.
  template <class TX, class SX, class SY>
  static int check_call(const TensorView<TX, SX>& x, const TensorView<float, SY>& y) {
    static_assert(has_input, "tshape: a model needs an Input<...> as its first layer to be called");
    using Expected = prepend_t<dyn, typename body::input_shape>;
    using ExpectedOut = prepend_t<dyn, typename body::output_shape>;
    static_assert(compatible_v<SX, Expected> && compatible_v<SY, ExpectedOut> &&
                      (SX::extents[0] == dyn || SY::extents[0] == dyn || SX::extents[0] == SY::extents[0]),
                  "tshape: forward(x, y): x must fit the model's Input and y its output, with the same batch");
    if constexpr (!drop_front_t<SX>::is_static) {
      const auto got = x.extents();
      const auto v = check_extents(got, Expected::extents);
      if (v.code != errc::ok) raise(extents_error(v, got, Expected::extents, "at the model's input"));
    }
    if constexpr (!drop_front_t<SY>::is_static) {
      const auto got = y.extents();
      const auto v = check_extents(got, ExpectedOut::extents);
      if (v.code != errc::ok) raise(extents_error(v, got, ExpectedOut::extents, "the output tensor"));
    }
    if (x.template extent<0>() != y.template extent<0>())
      raise(make_error(errc::shape_mismatch, "forward(x, y): x and y have different batch sizes"));
    return x.template extent<0>();
  }
};

/// The bound layer I of a model (0-based, Input excluded, as in Keras' summary), e.g.
/// `layer<1>(net).kernel()`; works on a model and on a model_ptr.
template <std::size_t I, class Net>
decltype(auto) layer(Net& net) {
  if constexpr (requires { *net; net.get(); })
    return (*net).template layer<I>();
  else
    return net.template layer<I>();
}

}  // namespace tshape
