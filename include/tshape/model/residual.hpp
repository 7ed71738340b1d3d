// Residual<Layers...>: y = x + f(x), where f is the Layers run one after the other; a residual block
// usable as one layer of a Sequential:
//
//   using Net = Sequential<Input<16>, Dense<32>, Residual<Dense<64, ReLU>, Dense<32>>, Dense<10, Softmax>>;
//
// f is a nested block, as Sequential<Layers...> without Input would be (its shape rule, its failures
// reported at the inner layer's position, its layers named after the block's own name). Its output
// must have x's shape, else the rule gives mismatch<error::SHAPE_MISMATCH, error::expected_input_shape<
// None, x...>, error::but_got_shape<None, f(x)...>>.
//
// Keras has no such layer: the same block there is a small functional model, which is what the
// summary calls it (class "Functional"); its default name is "residual", its inner layers are named
// after it in Keras' order, and weights(net) lists theirs in get_weights() order.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../diagnostics/error.hpp"
#include "../kernels/merge/elementwise.hpp"
#include "../kernels/simd/simd.hpp"
#include "../layers/layer.hpp"
#include "../shape/shape.hpp"
#include "chain.hpp"

namespace tshape {

namespace detail {

/// The bound block: f as a chain, and the sum. Seen from the model as a nested chain (is_chain), so
/// that weights, names and the trainer walk the inner layers.
template <class In, class... Ls>
class residual_layer {
  using body = chain<In, Ls...>;
  static constexpr std::size_t n = sample_size<In>;

 public:
  using input_shape = In;
  using output_shape = In;
  using layers = type_list<Ls...>;
  static constexpr long long param_count = body::param_count;
  static constexpr long long non_trainable_count = body::non_trainable_count;
  static constexpr bool trainable_layers = body::trainable_layers;

  /// f's own arena.
  static constexpr std::size_t scratch_floats(int batch) { return body::arena_floats(batch); }

  template <std::size_t I>
  constexpr auto& layer() {
    return f_.template layer<I>();
  }
  template <std::size_t I>
  constexpr const auto& layer() const {
    return f_.template layer<I>();
  }

  void forward(const float* x, float* y, int batch, float* scratch) const {
    if (batch <= 0) return;
    f_.forward(x, y, batch, scratch);
    sum(y, x, y, n * static_cast<std::size_t>(batch));
  }

  // Training. saved: f's own saved values, then f(x), whose last layer's backward reads it (y is f(x) + x).
  static constexpr std::size_t saved_floats(int batch) {
    return round_floats(body::saved_floats(batch)) + n * static_cast<std::size_t>(batch);
  }
  static constexpr std::size_t backward_scratch_floats(int batch) { return body::backward_scratch_floats(batch); }

  void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context& ctx) {
    if (batch <= 0) return;
    float* fx = saved + round_floats(body::saved_floats(batch));
    f_.forward_train(x, fx, batch, saved, scratch, ctx);
    sum(fx, x, y, n * static_cast<std::size_t>(batch));
  }

  /// dx = dy + f's dx (the identity path and the block's).
  void backward(const float* x, const float*, const float* dy, float* dx, int batch, const float* saved,
                float* scratch, residual_layer& grad, const train_context& ctx) const
    requires body::trainable_layers
  {
    if (batch <= 0) return;
    const float* fx = saved + round_floats(body::saved_floats(batch));
    train_context c = ctx;
    c.dy_is_logits = false;  // y is f(x) + x: no layer's pre-activation
    f_.backward(x, fx, dy, dx, batch, saved, scratch, grad.f_, c);
    if (dx) sum(dx, dy, dx, n * static_cast<std::size_t>(batch));
  }

  template <class F>
  constexpr void visit_leaves(F&& f, int base) {
    f_.visit_leaves(f, base);
  }
  template <class F>
  constexpr void visit_leaves(F&& f, int base) const {
    f_.visit_leaves(f, base);
  }
  template <class F>
  constexpr void for_each_weight(F&& f) {
    f_.visit_leaves([&](int, auto& leaf) { leaf.for_each_weight(f); }, 0);
  }
  template <class F>
  constexpr void for_each_weight(F&& f) const {
    f_.visit_leaves([&](int, const auto& leaf) { leaf.for_each_weight(f); }, 0);
  }
  template <class R>
  void initialize(R& rng) {
    f_.initialize(rng);
  }

 private:
  /// out = a + b (out may be a), on SIMD registers as Add's.
  static void sum(const float* a, const float* b, float* out, std::size_t count) {
    const float* in[2] = {a, b};
    kernels::merge::combine_row<kernels::simd::native, kernels::merge::op::add, false, 1, 1>(
        in, out, static_cast<std::ptrdiff_t>(count));
  }

  body f_{};
};

template <class In, class... Ls>
struct is_chain<residual_layer<In, Ls...>> : std::true_type {};

}  // namespace detail

template <class... Layers>
struct Residual : detail::functional_call<Residual<Layers...>> {
  static constexpr std::string_view keras_class = "Functional";
  static constexpr std::string_view keras_name = "residual";
  /// The inner layers, for naming them as a nested model's.
  using layers = detail::type_list<Layers...>;

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    if constexpr (sizeof...(Layers) == 0) {  // reported by the model, at Residual's place
      return mismatch<error::BAD_OPTION_VALUE, error::takes_one_or_more_layers>{};
    } else {
      using R = typename detail::chain<Shape<D...>, Layers...>::nested_result;
      if constexpr (!is_shape_v<R>)
        return R{};
      else if constexpr (!std::is_same_v<R, Shape<D...>>)
        return mismatch<error::SHAPE_MISMATCH, error::expected<Shape<D...>>, error::got<R>>{};
      else
        return R{};
    }
  }
  template <class In>
  using bind = detail::residual_layer<In, Layers...>;
};

}  // namespace tshape
