// What GRU, LSTM and SimpleRNN share: their options, their shape rule, Keras' orthogonal
// initializer, and the bound layer that owns the weights and runs the kernels (kernels/recurrent).
//
// Options, as types in any order (Keras' defaults when left out):
//   ReturnSequences                  return_sequences=True: every timestep's output, (T, units)
//   GoBackwards                      go_backwards=True: the sequence from its last timestep
//   Tanh, ReLU, ...                  activation (default Tanh)
//   RecurrentActivation<Sigmoid>     recurrent_activation (default Sigmoid; GRU and LSTM only)
//   UseBias<false>                   use_bias=False
//   ResetAfter<false>                GRU only: reset_after=False, bias (3*units,) (Keras <= 2.2's form)
//   UnitForgetBias<false>            LSTM only: the forget gate's bias starts at 0 instead of 1
//
// The shape rule: one sample is (timesteps, features), rank 2. A model declared with samples of
// (features) is reported as WRONG_RANK with expected_rank<2> and the model fix
// fix_with_layer_before_it<Reshape<features, 1>> (each feature becomes a timestep of one feature), as
// in Keras' "expected ndim=3, found ndim=2" (Keras counts the batch axis).
//
// The bound layer, beyond what every layer has (layers/layer.hpp):
//   kernel() (features, G*units), recurrent_kernel() (units, G*units), bias() (G*units) or, for
//   GRU's reset_after, (2, 3*units): Keras' arrays with Keras' gate order;
//   state_size, step() and forward_stateful(): the state a stream keeps between calls (model/stream.hpp).
// Training (kernels/recurrent/train.hpp): forward_train keeps every step's state and gates, backward
// runs backpropagation through the whole sequence.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../kernels/recurrent/cells.hpp"
#include "../kernels/recurrent/sequence.hpp"
#include "../kernels/recurrent/train.hpp"
#include "../kernels/simd/simd.hpp"
#include "activation.hpp"
#include "layer.hpp"

namespace tshape {

/// Option: return the output of every timestep, (timesteps, units), as Keras' return_sequences=True.
struct ReturnSequences {};
/// Option: process the sequence from its last timestep, as Keras' go_backwards=True. As in Keras, the
/// outputs of ReturnSequences then come in the order they were computed (the last timestep's first).
struct GoBackwards {};
/// Option: the activation of the gates (Keras' recurrent_activation), e.g. RecurrentActivation<Sigmoid>.
/// Another type than an activation is the layer's option rule to report (one error, at the model).
template <class Act>
struct RecurrentActivation {
  using type = Act;
};
/// Option of GRU: ResetAfter<false> is Keras' reset_after=False (the reset gate applied before the
/// recurrent product; one bias row). The default, true, is Keras 2's and PyTorch's form.
template <bool B>
struct ResetAfter {
  static constexpr bool value = B;
};
/// Option of LSTM: UnitForgetBias<false> starts the forget gate's bias at 0 instead of 1. It changes
/// the initializer only, as in Keras: a loaded bias is used as it is.
template <bool B>
struct UnitForgetBias {
  static constexpr bool value = B;
};

namespace detail {

struct recurrent_tag {};

template <class T>
struct is_return_sequences : std::is_same<T, ReturnSequences> {};
template <class T>
struct is_go_backwards : std::is_same<T, GoBackwards> {};
template <class T>
struct is_recurrent_activation : std::false_type {};
template <class A>
struct is_recurrent_activation<RecurrentActivation<A>> : std::true_type {};
template <class T>
struct is_reset_after : std::false_type {};
template <bool B>
struct is_reset_after<ResetAfter<B>> : std::true_type {};
template <class T>
struct is_unit_forget_bias : std::false_type {};
template <bool B>
struct is_unit_forget_bias<UnitForgetBias<B>> : std::true_type {};

/// The options every recurrent layer reads, with Keras' defaults.
template <class... Options>
struct recurrent_options {
  static constexpr bool return_sequences = count_options<is_return_sequences, Options...> > 0;
  static constexpr bool go_backwards = count_options<is_go_backwards, Options...> > 0;
  static constexpr bool use_bias = option_t<is_use_bias, UseBias<true>, Options...>::value;
  using activation = option_t<is_activation, Tanh, Options...>;
  using recurrent_activation = typename option_t<is_recurrent_activation, RecurrentActivation<Sigmoid>, Options...>::type;
};

template <class O>
struct is_recurrent_option
    : std::bool_constant<is_return_sequences<O>::value || is_go_backwards<O>::value || is_activation_v<O> ||
                         is_recurrent_activation<O>::value || is_use_bias<O>::value> {};
template <class>
struct no_option : std::false_type {};

/// The option rule (layer.hpp) of a recurrent layer of Units units that takes what Takes accepts
/// (It names it), Own being its own option kind: each option at most once, and activations that act
/// on each unit alone.
template <int Units, class It, template <class> class Takes, template <class> class Own, class... Options>
constexpr auto recurrent_option_rule() {
  using opts = recurrent_options<Options...>;
  using R = options_rule_t<It, Takes, type_list<Options...>, is_return_sequences, is_go_backwards, is_activation,
                           is_recurrent_activation, is_use_bias, Own>;
  if constexpr (Units <= 0)
    return mismatch<error::BAD_OPTION_VALUE, error::units<Units>>{};
  else if constexpr (!std::is_void_v<R>)
    return R{};
  else if constexpr (!std::is_base_of_v<activation_tag, typename opts::recurrent_activation>)
    return mismatch<error::BAD_OPTION_VALUE, RecurrentActivation<typename opts::recurrent_activation>,
                    error::takes_an_activation_such_as<Sigmoid>>{};
  else if constexpr (!std::is_void_v<activation_rule_t<typename opts::activation>>)
    return activation_rule_t<typename opts::activation>{};
  else if constexpr (!std::is_void_v<activation_rule_t<typename opts::recurrent_activation>>)
    return activation_rule_t<typename opts::recurrent_activation>{};
  else if constexpr (opts::activation::row_wise)
    return mismatch<error::BAD_OPTION_VALUE, error::acts_on_a_whole_row<typename opts::activation>>{};
  else if constexpr (opts::recurrent_activation::row_wise)
    return mismatch<error::BAD_OPTION_VALUE,
                    error::acts_on_a_whole_row<RecurrentActivation<typename opts::recurrent_activation>>>{};
  else
    return;
}

/// The spec with GoBackwards added, or removed when it is there: Bidirectional's backward layer.
template <class Out, class... In>
struct without_go_backwards {
  using type = Out;
};
template <class... Out, class First, class... Rest>
struct without_go_backwards<type_list<Out...>, First, Rest...>
    : without_go_backwards<std::conditional_t<std::is_same_v<First, GoBackwards>, type_list<Out...>,
                                              type_list<Out..., First>>,
                           Rest...> {};
template <template <int, class...> class L, int Units, class List>
struct rebuild_spec;
template <template <int, class...> class L, int Units, class... O>
struct rebuild_spec<L, Units, type_list<O...>> {
  using type = L<Units, O...>;
};
template <template <int, class...> class L, int Units, class... Options>
using reversed_spec_t = std::conditional_t<
    count_options<is_go_backwards, Options...> != 0,
    typename rebuild_spec<L, Units, typename without_go_backwards<type_list<>, Options...>::type>::type,
    L<Units, Options..., GoBackwards>>;

/// The shape rule of GRU, LSTM and SimpleRNN: (timesteps, features) -> (units) or (timesteps, units).
template <int Units, bool ReturnSequences, int... D>
constexpr auto recurrent_infer() {
  if constexpr (sizeof...(D) == 1)
    return mismatch<error::WRONG_RANK, error::expected_rank<2>, error::got<Shape<D...>>,
                    error::fix_with_layer_before_it<Reshape<D..., 1>>>{};
  else if constexpr (sizeof...(D) > 2)  // e.g. (timesteps, rows, cols): one feature axis per timestep
    return mismatch<error::WRONG_RANK, error::expected_rank<2>, error::got<Shape<D...>>,
                    error::fix_with_layer_before_it<
                        Reshape<Shape<D...>::extents[0], static_cast<int>(Shape<D...>::static_size / Shape<D...>::extents[0])>>>{};
  else if constexpr (sizeof...(D) != 2)
    return mismatch<error::WRONG_RANK, error::expected_rank<2>, error::got<Shape<D...>>>{};
  else if constexpr (ReturnSequences)
    return Shape<Shape<D...>::extents[0], Units>{};
  else
    return Shape<Units>{};
}

/// A standard normal sample (Box-Muller).
inline double normal(rng& r) {
  const double u1 = 1.0 - static_cast<double>(r.uniform(0.0f, 1.0f));  // in (0, 1]
  const double u2 = static_cast<double>(r.uniform(0.0f, 1.0f));
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

/// Keras' Orthogonal(gain=1) for a (rows, cols) matrix: the Q of a normal (max, min) matrix's QR
/// decomposition with R's diagonal made positive, transposed when rows < cols. Gram-Schmidt (twice,
/// for accuracy) gives that Q directly. One copy serves every shape (cold code, as glorot_uniform_fill).
TSHAPE_NOINLINE inline void orthogonal_fill(float* w, int rows, int cols, rng& r) {
  const int n = std::max(rows, cols), m = std::min(rows, cols);  // Q is n x m, orthonormal columns
  // Column j of Q, element i, goes to w[i][j] when rows >= cols, else to w[j][i] (the transpose).
  auto at = [&](int i, int j) -> float& { return rows >= cols ? w[i * cols + j] : w[j * cols + i]; };
  for (int j = 0; j < m; ++j) {
    for (int i = 0; i < n; ++i) at(i, j) = static_cast<float>(normal(r));
    for (int pass = 0; pass < 2; ++pass)
      for (int k = 0; k < j; ++k) {
        double d = 0.0;
        for (int i = 0; i < n; ++i) d += static_cast<double>(at(i, k)) * at(i, j);
        for (int i = 0; i < n; ++i) at(i, j) = static_cast<float>(at(i, j) - d * at(i, k));
      }
    double norm = 0.0;
    for (int i = 0; i < n; ++i) norm += static_cast<double>(at(i, j)) * at(i, j);
    norm = std::sqrt(norm);
    for (int i = 0; i < n; ++i) at(i, j) = static_cast<float>(at(i, j) / norm);
  }
}
template <class View>
void orthogonal(const View& w, int rows, int cols, rng& r) {
  orthogonal_fill(w.data(), rows, cols, r);
}

/// The bound layer shared by GRU, LSTM and SimpleRNN. Spec provides units, gates, bias_rows, states
/// (1: h; 2: h and c), the options, and cell() (the kernel's cell with its activations).
template <class Spec, class In>
class recurrent_layer {
  static constexpr int T = In::extents[0];
  static constexpr int F = In::extents[1];
  static constexpr int U = Spec::units;
  static constexpr int G = Spec::gates * U;
  static constexpr bool use_bias = Spec::use_bias;
  using bias_shape = std::conditional_t<Spec::bias_rows == 2, Shape<2, G>, Shape<G>>;
  using cell_type = decltype(Spec::cell());

  kernels::recurrent::cell_weights weights() const {
    kernels::recurrent::cell_weights w;
    w.kernel = kernel_.data();
    w.recurrent_kernel = recurrent_kernel_.data();
    if constexpr (use_bias) {
      w.bias = bias_.data();
      if constexpr (Spec::bias_rows == 2) w.recurrent_bias = bias_.data() + G;
    }
    return w;
  }
  static constexpr kernels::recurrent::sequence_shape sequence_shape(int batch) {
    return {batch, T, F, U, Spec::return_sequences, Spec::go_backwards};
  }

 public:
  using input_shape = In;
  using output_shape = std::conditional_t<Spec::return_sequences, Shape<T, U>, Shape<U>>;
  static constexpr long long param_count = 1LL * F * G + 1LL * U * G + (use_bias ? 1LL * Spec::bias_rows * G : 0LL);
  static constexpr long long non_trainable_count = 0;
  /// Floats of state per sample: h, then (LSTM) c.
  static constexpr int state_size = Spec::states * U;
  static constexpr std::size_t state_floats(int batch) { return static_cast<std::size_t>(batch) * state_size; }
  static constexpr std::size_t scratch_floats(int batch) {
    return kernels::recurrent::detail::round_floats(state_floats(batch)) + sequence_scratch_floats(batch);
  }
  /// Floats of scratch step() needs.
  static constexpr std::size_t step_scratch_floats(int batch) {
    return kernels::recurrent::step_work_floats<cell_type>(batch, U);
  }

  TensorView<float, Shape<F, G>> kernel() { return kernel_.view(); }
  TensorView<const float, Shape<F, G>> kernel() const { return kernel_.view(); }
  TensorView<float, Shape<U, G>> recurrent_kernel() { return recurrent_kernel_.view(); }
  TensorView<const float, Shape<U, G>> recurrent_kernel() const { return recurrent_kernel_.view(); }
  TensorView<float, bias_shape> bias() requires use_bias { return bias_.view(); }
  TensorView<const float, bias_shape> bias() const requires use_bias { return bias_.view(); }

  /// The whole sequence from a zero state, as Keras' call().
  void forward(const float* x, float* y, int batch, float* scratch) const {
    float* state = scratch;
    std::fill_n(state, state_floats(batch), 0.0f);
    forward_stateful(x, y, batch, state, scratch + kernels::recurrent::detail::round_floats(state_floats(batch)));
  }
  /// The whole sequence from `state` (batch x state_size: all h rows, then all c rows), which is left
  /// holding the final state; `scratch` has sequence_scratch_floats(batch) floats.
  void forward_stateful(const float* x, float* y, int batch, float* state, float* scratch) const {
    float* c = Spec::states == 2 ? state + static_cast<std::ptrdiff_t>(batch) * U : nullptr;
    kernels::recurrent::sequence<kernels::simd::native, F, U>(Spec::cell(), weights(), sequence_shape(batch), x, y,
                                                              state, c, scratch);
  }
  static constexpr std::size_t sequence_scratch_floats(int batch) {
    return kernels::recurrent::sequence_scratch_floats<cell_type>(sequence_shape(batch));
  }

  /// One timestep: x (batch, features) -> y (batch, units), from and into `state` (batch x
  /// state_size). What a stream calls once per frame; the same numbers as forward() over the frames.
  /// Batch > 0 compiles the batch in (it must equal `batch`).
  template <int Batch = 0>
  void step(const float* x, float* y, int batch, float* state, float* scratch) const {
    kernels::recurrent::step_rows r;
    r.rows = batch;
    r.x = x;
    r.x_stride = F;
    r.h = state;
    r.h_stride = U;
    r.h_out = y;
    r.h_out_stride = U;
    if constexpr (Spec::states == 2) {
      r.c = state + static_cast<std::ptrdiff_t>(batch) * U;
      r.c_stride = U;
    }
    r.work = scratch;
    kernels::recurrent::step_fixed<kernels::simd::native, true, F, U, Batch>(Spec::cell(), weights(), r);
    std::copy_n(y, static_cast<std::ptrdiff_t>(batch) * U, state);
  }

  // ---- Training ----------------------------------------------------------------------------------
  using bptt_type = kernels::recurrent::bptt<cell_type, T, F, U>;
  static constexpr std::size_t saved_floats(int batch) { return bptt_type::saved_floats(batch); }
  /// Covers forward_train's scratch too (the projected inputs), which scratch_floats may not.
  static constexpr std::size_t backward_scratch_floats(int batch) { return bptt_type::scratch_floats(batch); }

  void forward_train(const float* x, float* y, int batch, float* saved, float* scratch, const train_context&) const {
    bptt_type::forward(Spec::cell(), weights(), batch, Spec::return_sequences, Spec::go_backwards, x, y, saved, scratch);
  }
  void backward(const float* x, const float*, const float* dy, float* dx, int batch, const float* saved, float* scratch,
                recurrent_layer& grad, const train_context& ctx) const {
    kernels::recurrent::cell_gradients g;
    if (ctx.trainable) {
      g.kernel = grad.kernel_.data();
      g.recurrent_kernel = grad.recurrent_kernel_.data();
      if constexpr (use_bias) {
        g.bias = grad.bias_.data();
        if constexpr (Spec::bias_rows == 2) g.recurrent_bias = grad.bias_.data() + G;
      }
    }
    bptt_type::backward(Spec::cell(), weights(), batch, Spec::return_sequences, Spec::go_backwards, x, dy, dx, saved,
                        scratch, g);
  }

  template <class Fn>
  constexpr void for_each_weight(Fn&& f) {
    f("kernel", kernel_.view());
    f("recurrent_kernel", recurrent_kernel_.view());
    if constexpr (use_bias) f("bias", bias_.view());
  }
  template <class Fn>
  constexpr void for_each_weight(Fn&& f) const {
    f("kernel", kernel_.view());
    f("recurrent_kernel", recurrent_kernel_.view());
    if constexpr (use_bias) f("bias", bias_.view());
  }
  /// Keras' initializers: glorot_uniform kernel, orthogonal recurrent kernel, zero bias (LSTM: the
  /// forget gate's at 1 with unit_forget_bias).
  template <class R>
  void initialize(R& r) {
    glorot_uniform(kernel_.view(), F, G, r);
    orthogonal(recurrent_kernel_.view(), U, G, r);
    if constexpr (use_bias) {
      bias_.fill(0.0f);
      if constexpr (Spec::unit_forget_bias) std::fill_n(bias_.data() + U, U, 1.0f);
    }
  }

 private:
  struct no_bias {};
  Tensor<float, Shape<F, G>> kernel_;
  Tensor<float, Shape<U, G>> recurrent_kernel_;
  [[no_unique_address]] std::conditional_t<use_bias, Tensor<float, bias_shape>, no_bias> bias_;
};

}  // namespace detail

/// True for GRU, LSTM and SimpleRNN specs (what Bidirectional wraps and streams step through).
template <class L>
inline constexpr bool is_recurrent_v = std::is_base_of_v<detail::recurrent_tag, L>;

}  // namespace tshape
