// Sequential<Input<...>, Layers...>: a model whose layers run one after the other, as Keras'.
//
// Shapes are checked when the type is named: a layer that cannot take what the one before gives is a
// compile error that names its position (0-based, Input excluded, as in Keras' summary), the layer,
// what it expected and what it got. Calling the model checks the data the same way, at compile time
// for static extents and at run time for `dyn` ones.
//
// Without an Input, Sequential<Layers...> is a block: a layer that adapts to whatever it is fed. With
// an Input, used inside another model, it checks that it is fed the shape it declares.
//
// Memory. Net::param_bytes: the parameters. Net::arena_bytes(batch): a forward pass's working memory
// besides its input and output, the largest input + scratch + output of one layer, counting only
// intermediate activations, each rounded up to 64 bytes (chain.hpp); activation_bytes = arena_bytes(1).
// Allocations per call, as tests/embedded/allocations_test.cpp counts them (malloc too, on glibc):
//   forward(x, y, arena)  none.
//   forward(x, y)         none for a static batch whose arena fits TSHAPE_STACK_ARENA_BYTES (on the
//                         stack). Otherwise a per-thread arena, grown when a call needs more than any
//                         before it on that thread, in one allocation (on a thread's first, the C++
//                         runtime also records the arena's release at thread exit: glibc callocs).
//   net(x)                static batch: as forward(x, y). dyn batch: exactly one, the result with the
//                         pass's arena behind it. (OpenBLAS on several threads mallocs in every sgemm.)
// Under TSHAPE_NO_HEAP each case that would allocate is a compile error (NEEDS_HEAP) at the call.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>

#include "../config.hpp"
#include "../diagnostics/error.hpp"
#include "../diagnostics/report.hpp"
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
  using input_shape = Shape<>;
  using output_shape = Shape<>;
  template <std::size_t I>
  using shape_at = Shape<>;
  template <std::size_t I>
  using layer_type = void;
  using output_activation = void;
  static constexpr long long param_count = 0;
  static constexpr long long non_trainable_count = 0;
  static constexpr long long trainable_count = 0;
  static constexpr bool trainable_layers = false;
  static constexpr bool has_logits = false;
  static constexpr bool takes_token_ids = false;
  static constexpr int token_id_limit = 0;
  static constexpr std::size_t arena_floats(int) { return 0; }
  static constexpr std::size_t saved_floats(int) { return 0; }
  static constexpr std::size_t backward_scratch_floats(int) { return 0; }
};

template <class First, class... Rest>
struct sequential_parts {
  static constexpr bool has_input = false;
  static constexpr bool takes_token_ids = takes_token_ids_of<First>();
  using layers = type_list<First, Rest...>;
  using body = unbound_block;
  template <class In>
  using bound = chain<In, First, Rest...>;
  using name_diagnosis = void;
};
template <int... D, class... Rest>
struct sequential_parts<Input<D...>, Rest...> {
  static constexpr bool has_input = true;
  using input_layer = Input<D...>;
  using layers = type_list<Rest...>;
  using body = chain<Shape<D...>, Rest...>;
  static constexpr bool takes_token_ids = body::takes_token_ids;
  template <class>
  using bound = body;
  using name_diagnosis = void;
};
/// A named Input (keras.Input(shape, name=...) as a Sequential's first layer): the summary shows it.
template <fixed_string Name, int... D, class... Rest>
struct sequential_parts<NamedInput<Name, D...>, Rest...> : sequential_parts<Input<D...>, Rest...> {
  using input_layer = NamedInput<Name, D...>;
  using name_diagnosis = typename input_name_rule<NamedInput<Name, D...>>::type;
};

/// The diagnosis of data of element type T and shape S (batch axis first) fed to a model whose Input
/// is InputLayer: std::type_identity<void> when it fits. A model whose first layer reads token ids
/// (Ids) takes int32 data, any other float.
template <class InputLayer, class T, class S, bool Ids = false>
constexpr auto input_diagnosis() {
  using Declared = typename InputLayer::shape;
  using Expected = prepend_t<dyn, Declared>;
  if constexpr (Ids && !std::is_same_v<std::remove_cv_t<T>, std::int32_t>) {
    return std::type_identity<error::TOKEN_IDS_NOT_INTEGER<error::at_model_input, InputLayer,
                                                           error::expected_dtype<std::int32_t>,
                                                           error::but_got_dtype<std::remove_cv_t<T>>, error::got_tensor<S>>>{};
  } else if constexpr (!Ids && !std::is_same_v<std::remove_cv_t<T>, float>) {
    return std::type_identity<error::DTYPE_MISMATCH<error::at_model_input, InputLayer, error::expected_dtype<float>,
                                                    error::but_got_dtype<std::remove_cv_t<T>>, error::got_tensor<S>>>{};
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

/// The diagnosis of forward(x, y) with views VX and VY (std::type_identity<void> when they fit): x
/// as for a call, then y, which must be a writable float tensor of the output's shape for x's batch.
template <class InputLayer, class Out, class VX, class VY, bool Ids = false>
constexpr auto forward_diagnosis() {
  using SX = typename VX::shape;
  using SY = typename VY::shape;
  using DX = typename decltype(input_diagnosis<InputLayer, typename VX::element_type, SX, Ids>())::type;
  if constexpr (!std::is_void_v<DX>)
    return std::type_identity<DX>{};
  else if constexpr (!std::is_same_v<typename VY::element_type, float>)
    return std::type_identity<error::OUTPUT_MISMATCH<error::at_model_output, error::expected_dtype<float>,
                                                     error::but_got_dtype<typename VY::element_type>>>{};
  else if constexpr (!compatible_v<SY, prepend_t<SX::extents[0], Out>>)
    return std::type_identity<error::OUTPUT_MISMATCH<error::at_model_output,
                                                     error::expected_output<Out, SX::extents[0]>, error::got_tensor<SY>>>{};
  else
    return std::type_identity<void>{};
}

/// The diagnosis of a call on data X for a model of parts Parts (a block, which has no Input, cannot
/// be called and has none: its call reports that alone).
template <class Parts, class X>
constexpr auto call_rule() {
  if constexpr (!std::is_void_v<typename Parts::body::diagnosis>)
    return std::type_identity<error::the_model_reports_its_error>{};
  else if constexpr (Parts::has_input)
    return input_diagnosis<typename Parts::input_layer, typename X::value_type, typename X::shape,
                           Parts::takes_token_ids>();
  else
    return std::type_identity<void>{};
}
/// The same for forward(x, y) with views VX and VY.
template <class Parts, class VX, class VY>
constexpr auto forward_rule() {
  if constexpr (!std::is_void_v<typename Parts::body::diagnosis>)
    return std::type_identity<error::the_model_reports_its_error>{};
  else if constexpr (Parts::has_input)
    return forward_diagnosis<typename Parts::input_layer, typename Parts::body::output_shape, VX, VY,
                             Parts::takes_token_ids>();
  else
    return std::type_identity<void>{};
}


/// Under TSHAPE_NO_HEAP, what a call of model Net (output shape Out) on batch B would need the heap
/// for, as a diagnosis (std::type_identity<void> when nothing, and always without TSHAPE_NO_HEAP): a
/// result of a dyn batch (when the call makes one), an arena of a dyn batch, or an arena beyond the
/// stack's. Sequential's and Model's calls share it.
template <class Net, int B, bool MakesResult, class Out>
constexpr auto heap_rule() {
#ifdef TSHAPE_NO_HEAP
  if constexpr (B == dyn && MakesResult)
    return std::type_identity<error::NEEDS_HEAP<error::at_model_call, error::result<Out>,
                                                error::fix_with_your_own_output_and_arena>>{};
  else if constexpr (B == dyn)
    return std::type_identity<error::NEEDS_HEAP<error::at_model_call, error::arena_bytes_per_sample<Net::arena_bytes(1)>,
                                                error::fix_with_your_own_arena>>{};
  else if constexpr (Net::arena_bytes(B) > TSHAPE_STACK_ARENA_BYTES)
    return std::type_identity<error::NEEDS_HEAP<error::at_model_call, error::arena_bytes<Net::arena_bytes(B)>,
                                                error::stack_arena_bytes<TSHAPE_STACK_ARENA_BYTES>,
                                                error::fix_with_your_own_arena>>{};
  else
    return std::type_identity<void>{};
#else
  return std::type_identity<void>{};
#endif
}

/// The run-time checks of y in a call's forward(x, y, ...): its `dyn` extents against the model's
/// output (ExpectedOut, batch axis included), then its batch against x's. Both model kinds share it.
template <class ExpectedOut, class X, class Y>
error_info output_error(const X& x, const Y& y) {
  if constexpr (!drop_front_t<typename Y::shape>::is_static) {
    const auto got = y.extents();
    auto v = check_extents(got, ExpectedOut::extents);
    v.code = v.code == errc::ok ? errc::ok : errc::output_mismatch;
    if (v.code != errc::ok) return extents_error(v, got, ExpectedOut::extents, "y");
  }
  if (x.template extent<0>() != y.template extent<0>()) {
    static_text<96> d("x has a batch of ");
    d.append(x.template extent<0>()).append(", y of ").append(y.template extent<0>());
    return make_error(errc::output_mismatch, d.view());
  }
  return {};
}

/// A caller's arena of `have` bytes at `at` where a pass needs `need`, aligned to TSHAPE_ALIGN. (The
/// sizes go out as long long: size_t is unsigned int on 32-bit targets, which static_text does not take.)
inline error_info arena_error(std::size_t have, std::size_t need, const void* at = nullptr) {
  static_text<200> d;
  if (reinterpret_cast<std::uintptr_t>(at) % TSHAPE_ALIGN != 0) {
    d.append("the arena's address is not a multiple of ").append(TSHAPE_ALIGN);
    d.append(" (declare it alignas(TSHAPE_ALIGN), or use the model's arena type)");
  } else {
    d.append("the arena has ").append(static_cast<long long>(have)).append(" bytes; this batch needs ");
    d.append(static_cast<long long>(need));
  }
  return make_error(errc::invalid_argument, d.view());
}

/// The batch of a call on x (shape SX) into y (shape SY): static when either says it, else dyn.
template <class SX, class SY>
inline constexpr int call_batch = SX::extents[0] != dyn ? SX::extents[0] : SY::extents[0];

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
class Sequential;

namespace detail {
/// L when it is a Sequential (whose class reports its own errors), else a stand-in that costs nothing.
template <class L>
struct if_nested_sequential {
  using type = char;
};
template <class... Ls>
struct if_nested_sequential<Sequential<Ls...>> {
  using type = Sequential<Ls...>;
};
template <class L>
using if_nested_sequential_t = typename if_nested_sequential<L>::type;
}  // namespace detail

template <class First, class... Rest>
class Sequential : public detail::functional_call<Sequential<First, Rest...>> {
  using parts = detail::sequential_parts<First, Rest...>;
  using body = typename parts::body;
  // A nested Sequential with an Input reports its own mistake when it is instantiated; naming its size
  // here, before the fold, keeps the compiler's trail from that error to the user's line short.
  using nested_sizes = std::index_sequence<sizeof(detail::if_nested_sequential_t<Rest>)...>;
  // The layers, held rather than inherited: clang marks a class whose rule failed as invalid, and then
  // refuses to convert it to a base, so that every use of an inherited member would be one more error.
  body body_{};

  static constexpr std::size_t output_size = [] {
    if constexpr (parts::has_input) return static_cast<std::size_t>(body::output_shape::static_size);
    else return std::size_t{0};
  }();

  template <int B, bool MakesResult>
  static constexpr auto heap_rule() {
    return detail::heap_rule<Sequential, B, MakesResult, typename body::output_shape>();
  }

 public:
  static constexpr std::string_view keras_class = "Sequential";
  static constexpr std::string_view keras_name = "sequential";
  /// The layers, Input excluded: what layer<I> counts.
  using layers = std::conditional_t<std::is_void_v<typename body::diagnosis>, typename parts::layers, detail::type_list<>>;
  static constexpr bool has_input = parts::has_input;
  /// True when the first layer reads integer token ids (Embedding): the model then takes int32 data.
  static constexpr bool takes_token_ids = parts::takes_token_ids;
  /// The element type of the data the model takes.
  using input_element = std::conditional_t<takes_token_ids, std::int32_t, float>;

  // ---- The bound layers' members (model/chain.hpp), forwarded ----------------------------------------
  static constexpr bool ok = body::ok;
  using input_shape = typename body::input_shape;
  using output_shape = typename body::output_shape;
  /// One sample's shape after layer I (I = 0 is the input).
  template <std::size_t I>
  using shape_at = typename body::template shape_at<I>;
  /// The bound type of layer I.
  template <std::size_t I>
  using layer_type = typename body::template layer_type<I>;
  static constexpr long long param_count = body::param_count;
  static constexpr long long non_trainable_count = body::non_trainable_count;
  static constexpr long long trainable_count = body::trainable_count;
  static constexpr bool trainable_layers = body::trainable_layers;
  static constexpr bool has_logits = body::has_logits;
  using output_activation = typename body::output_activation;
  static constexpr std::size_t arena_floats(int batch) { return body::arena_floats(batch); }
  static constexpr std::size_t saved_floats(int batch) { return body::saved_floats(batch); }
  static constexpr std::size_t backward_scratch_floats(int batch) { return body::backward_scratch_floats(batch); }
  /// The first layer's input_dim when it reads token ids, else 0.
  static constexpr int token_id_limit = body::token_id_limit;
  template <std::size_t I>
  constexpr auto& layer() {
    if constexpr (std::is_void_v<diagnosis>)
      return body_.template layer<I>();
    else
      return detail::failed_layer::instance();
  }
  template <std::size_t I>
  constexpr const auto& layer() const {
    if constexpr (std::is_void_v<diagnosis>)
      return body_.template layer<I>();
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
  /// The forward pass on raw rows (model/chain.hpp): what trainers and benches call.
  void run_forward(const float* x, float* y, int batch, float* work) const { body_.forward(x, y, batch, work); }
  void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context& ctx,
                     const bool* frozen = nullptr) {
    body_.forward_train(x, y, batch, saved, scratch, ctx, frozen);
  }
  void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float* saved,
                float* scratch, Sequential& grad, const train_context& ctx, const bool* frozen = nullptr) const {
    body_.backward(x, y, dy, dx, batch, saved, scratch, grad.body_, ctx, frozen);
  }
  const float* logits(const float* saved, int batch) const { return body_.logits(saved, batch); }

  /// void, or the model's error, which the class reports at its end (one static_assert per kind).
  using diagnosis = typename body::diagnosis;

  /// As a layer of another model: checks the declared Input (if any), then runs the fold.
  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (has_input) {
      using Declared = typename body::input_shape;
      if constexpr (!std::is_void_v<diagnosis>)
        return mismatch<error::REPORTED_INSIDE>{};  // this class says it, complete by now
      else if constexpr (!compatible_v<Shape<D...>, Declared>)
        return mismatch<error::SHAPE_MISMATCH, error::expected<Declared>, error::got<Shape<D...>>>{};
      else
        return typename body::nested_result{};
    } else {
      return typename detail::chain<Shape<D...>, First, Rest...>::nested_result{};
    }
  }
  template <class In>
  using bind = typename parts::template bound<In>;

  /// Bytes of the parameters, and of the arena a forward pass on `batch` samples works in besides its
  /// input and output (the header says what that is): what an embedded build budgets for.
  static constexpr std::size_t param_bytes = [] {
    if constexpr (has_input) return static_cast<std::size_t>(body::param_count) * sizeof(float);
    else return std::size_t{0};
  }();
  static constexpr std::size_t arena_bytes(int batch) {
    if constexpr (has_input) return body::arena_floats(batch) * sizeof(float);
    else return 0;
  }
  static constexpr std::size_t activation_bytes = arena_bytes(1);

  /// Caller memory for forward(x, y, arena) on up to Batch samples: arena_bytes(Batch) bytes, aligned.
  /// Firmware keeps one for the life of the program: `static Net::arena<> scratch;`.
  template <int Batch = 1>
  struct arena {
    static_assert(Batch >= 1, "tshape: Net::arena<Batch> is for a positive number of samples");
    static constexpr int batch = Batch;
    alignas(TSHAPE_ALIGN) std::byte bytes[arena_bytes(Batch) > 0 ? arena_bytes(Batch) : 1];
  };

  /// The diagnosis of a call on data X (void when X fits): what every call operator reports.
  template <class X>
  using call_diagnosis = typename decltype(detail::call_rule<detail::sequential_parts<First, Rest...>, X>())::type;

  /// The diagnosis of forward(x, y) on views VX, VY (void when they fit, and for a block, which
  /// cannot be called).
  template <class VX, class VY>
  using forward_diagnosis =
      typename decltype(detail::forward_rule<detail::sequential_parts<First, Rest...>, VX, VY>())::type;

  /// Under TSHAPE_NO_HEAP, the diagnosis of a call on batch B that would need the heap (void when it
  /// would not): a result with a dyn batch (when the call makes one), or an arena beyond the stack's.
  template <int B, bool MakesResult>
  using heap_diagnosis = typename decltype(heap_rule<B, MakesResult>())::type;

  /// On a functional model's tensors, Sequential<...>{}(x) is a layer of the graph (model/functional.hpp).
  using detail::functional_call<Sequential>::operator();

  /// Runs the model on a batch x (a Tensor or TensorView): its first axis is the batch (static or dyn).
  /// Returns a new Tensor whose batch axis is x's.
  template <class X>
    requires is_tensor<X>::value
  auto operator()(const X& x) const {
    static_assert(has_input, "tshape: a model needs an Input<...> as its first layer to be called");
    using S = typename X::shape;
    using D = call_diagnosis<X>;
    // One static_assert per kind of rule a call can break, here at the user's call: in a helper each
    // would add its instantiation lines to every error.
    static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, D>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::OUTPUT_MISMATCH, D>>, TSHAPE_MSG_OUTPUT_MISMATCH);
    using H = std::conditional_t<std::is_void_v<D>, heap_diagnosis<S::extents[0], true>, void>;
    static_assert(no_error<only<error::NEEDS_HEAP, H>>, TSHAPE_MSG_NEEDS_HEAP);
    if constexpr (has_input && std::is_void_v<D> && std::is_void_v<diagnosis> && std::is_void_v<H>) {
      using Out = prepend_t<S::extents[0], typename body::output_shape>;
      const TensorView<const input_element, S> xv = x;
      if constexpr (S::extents[0] == dyn) {
#ifndef TSHAPE_NO_HEAP
        // One allocation: the result, then the arena, aligned behind it.
        const int batch = check_input(xv);
        check_token_ids(xv);
        const std::size_t out = detail::round_floats(static_cast<std::size_t>(batch) * output_size);
        std::unique_ptr<float[], detail::aligned_delete> block(
            detail::aligned_new<float>(static_cast<std::ptrdiff_t>(out + body::arena_floats(batch))));
        body_.forward(detail::as_input_pointer(xv.data()), block.get(), batch, block.get() + out);
        return Tensor<float, Out>(detail::adopt, std::move(block), batch);
#endif
      } else {
        Tensor<float, Out> y;
        run(xv, y.view());
        return y;
      }
    } else {
      return detail::failed_model_output{};
    }
  }

  /// y = model(x) into the caller's y; x and y are Tensors or TensorViews, y of the output's shape.
  /// Scratch goes on the stack when the batch is static and small enough (TSHAPE_STACK_ARENA_BYTES),
  /// else in a per-thread buffer reused across calls.
  template <class X, class Y>
    requires is_tensor<std::remove_cvref_t<X>>::value && is_tensor<std::remove_cvref_t<Y>>::value
  void forward(const X& x, Y&& y) const {
    static_assert(has_input, "tshape: a model needs an Input<...> as its first layer to be called");
    using VX = detail::view_of_t<const X>;
    using VY = detail::view_of_t<Y>;
    using D = forward_diagnosis<VX, VY>;
    static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, D>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::OUTPUT_MISMATCH, D>>, TSHAPE_MSG_OUTPUT_MISMATCH);
    constexpr int B = detail::call_batch<typename VX::shape, typename VY::shape>;
    using H = std::conditional_t<std::is_void_v<D>, heap_diagnosis<B, false>, void>;
    static_assert(no_error<only<error::NEEDS_HEAP, H>>, TSHAPE_MSG_NEEDS_HEAP);
    if constexpr (has_input && std::is_void_v<D> && std::is_void_v<diagnosis> && std::is_void_v<H>) run(VX(x), detail::as_view(y));
  }

  /// y = model(x) on the caller's arena (Net::arena<B>, B at least the batch). Allocates nothing, and
  /// with static shapes checks everything at compile time: what firmware calls.
  template <class X, class Y, int B>
    requires is_tensor<std::remove_cvref_t<X>>::value && is_tensor<std::remove_cvref_t<Y>>::value
  void forward(const X& x, Y&& y, arena<B>& scratch) const {
    static_assert(has_input, "tshape: a model needs an Input<...> as its first layer to be called");
    using VX = detail::view_of_t<const X>;
    using VY = detail::view_of_t<Y>;
    using D = forward_diagnosis<VX, VY>;
    static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, D>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::OUTPUT_MISMATCH, D>>, TSHAPE_MSG_OUTPUT_MISMATCH);
    constexpr int batch_type = detail::call_batch<typename VX::shape, typename VY::shape>;
    static_assert(batch_type == dyn || batch_type <= B,
                  "tshape: the arena is for fewer samples than the batch: use Net::arena<Batch> with Batch at least "
                  "the batch");
    if constexpr (has_input && std::is_void_v<D> && std::is_void_v<diagnosis>) {
      const VX xv(x);
      const VY yv = detail::as_view(y);
      const int batch = check_call(xv, yv);
      if constexpr (batch_type == dyn) {
        if (batch > B) raise(detail::arena_error(sizeof(scratch.bytes), arena_bytes(batch)));
      }
      check_token_ids(xv);
      body_.forward(detail::as_input_pointer(xv.data()), yv.data(), batch, reinterpret_cast<float*>(scratch.bytes));
    }
  }

  /// y = model(x) with the caller's scratch: at least arena_bytes(batch) bytes, 64-byte aligned (checked).
  template <class X, class Y>
    requires is_tensor<std::remove_cvref_t<X>>::value && is_tensor<std::remove_cvref_t<Y>>::value
  void forward(const X& x, Y&& y, std::span<std::byte> scratch) const {
    try_forward(x, std::forward<Y>(y), scratch).value();
  }
  /// As forward(x, y, scratch), but a run-time error (a `dyn` extent that does not fit, an arena too
  /// small) comes back instead of being raised: for code built without exceptions that must go on.
  template <class X, class Y>
    requires is_tensor<std::remove_cvref_t<X>>::value && is_tensor<std::remove_cvref_t<Y>>::value
  result<void> try_forward(const X& x, Y&& y, std::span<std::byte> scratch) const {
    static_assert(has_input, "tshape: a model needs an Input<...> as its first layer to be called");
    using VX = detail::view_of_t<const X>;
    using VY = detail::view_of_t<Y>;
    using D = forward_diagnosis<VX, VY>;
    static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, D>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
    static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
    static_assert(no_error<only<error::OUTPUT_MISMATCH, D>>, TSHAPE_MSG_OUTPUT_MISMATCH);
    if constexpr (has_input && std::is_void_v<D> && std::is_void_v<diagnosis>) {
      const VX xv(x);
      const VY yv = detail::as_view(y);
      if (const auto e = call_error(xv, yv)) return e;
      if (const auto e = token_ids_error(xv)) return e;
      const int batch = xv.template extent<0>();
      if (scratch.size() < arena_bytes(batch) || reinterpret_cast<std::uintptr_t>(scratch.data()) % TSHAPE_ALIGN != 0)
        return detail::arena_error(scratch.size(), arena_bytes(batch), scratch.data());
      body_.forward(detail::as_input_pointer(xv.data()), yv.data(), batch, reinterpret_cast<float*>(scratch.data()));
    }
    return {};
  }

 private:
  // forward(x, y) once the types fit: the dyn extents are checked, then the pass runs.
  template <class TX, class SX, class SY>
  void run(const TensorView<TX, SX>& x, const TensorView<float, SY>& y) const {
    constexpr int B = detail::call_batch<SX, SY>;
    const int batch = check_call(x, y);
    check_token_ids(x);
    if constexpr (B != dyn && arena_bytes(B) <= TSHAPE_STACK_ARENA_BYTES) {
      alignas(TSHAPE_ALIGN) float scratch[body::arena_floats(B) > 0 ? body::arena_floats(B) : 1];
      body_.forward(detail::as_input_pointer(x.data()), y.data(), batch, scratch);
    } else {
#ifndef TSHAPE_NO_HEAP
      body_.forward(detail::as_input_pointer(x.data()), y.data(), batch, detail::thread_arena(body::arena_floats(batch)));
#endif
    }
  }

  // Every token id inside [0, input_dim) of the Embedding that reads it (no check for float data).
  template <class TX, class SX>
  static error_info token_ids_error(const TensorView<TX, SX>& x) {
    if constexpr (takes_token_ids) return token_id_error(x.data(), x.size(), token_id_limit);
    else return {};
  }
  template <class TX, class SX>
  static void check_token_ids(const TensorView<TX, SX>& x) {
    if constexpr (takes_token_ids)
      if (const auto e = token_ids_error(x)) raise(e);
  }

  // The run-time checks of x's `dyn` extents (static ones were checked at compile time); returns the batch.
  template <class TX, class SX>
  static int check_input(const TensorView<TX, SX>& x) {
    if constexpr (!drop_front_t<SX>::is_static) {
      using Expected = prepend_t<dyn, typename body::input_shape>;
      const auto got = x.extents();
      const auto v = check_extents(got, Expected::extents);
      if (v.code != errc::ok) raise(extents_error(v, got, Expected::extents, "at the model's input"));
    }
    return x.template extent<0>();
  }

  // The first run-time error of a call on x into y (none when they fit).
  template <class TX, class SX, class SY>
  static error_info call_error(const TensorView<TX, SX>& x, const TensorView<float, SY>& y) {
    using Expected = prepend_t<dyn, typename body::input_shape>;
    using ExpectedOut = prepend_t<dyn, typename body::output_shape>;
    if constexpr (!drop_front_t<SX>::is_static) {
      const auto got = x.extents();
      const auto v = check_extents(got, Expected::extents);
      if (v.code != errc::ok) return extents_error(v, got, Expected::extents, "at the model's input");
    }
    return detail::output_error<ExpectedOut>(x, y);
  }

  // Checks a call's `dyn` extents (raising on a mismatch); returns the batch. Static shapes cost nothing.
  template <class TX, class SX, class SY>
  static int check_call(const TensorView<TX, SX>& x, const TensorView<float, SY>& y) {
    if constexpr (SX::is_static && SY::is_static) {
      return SX::extents[0];
    } else {
      if (const auto e = call_error(x, y)) raise(e);
      return x.template extent<0>();
    }
  }

  // The report (diagnostics/report.hpp), last in the class: clang drops the members declared after a
  // failed static_assert, and the program that goes on to use them would get more errors.
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
  static_assert(no_error<only<error::INPUT_NOT_STATIC, diagnosis>>, TSHAPE_MSG_INPUT_NOT_STATIC);
  static_assert(no_error<only<error::WRONG_TENSOR_COUNT, diagnosis>>, TSHAPE_MSG_WRONG_TENSOR_COUNT);
  static_assert(no_error<typename parts::name_diagnosis>, TSHAPE_MSG_INPUT_NAME);  // the model runs: names only show
};

/// The bound layer I of a model (0-based, Input excluded, as in Keras' summary), e.g.
/// `layer<1>(net).kernel()`; works on a model and on a model_ptr.
template <std::size_t I, class Net>
constexpr decltype(auto) layer(Net& net) {
  if constexpr (requires { *net; net.get(); })
    return (*net).template layer<I>();
  else
    return net.template layer<I>();
}

}  // namespace tshape
