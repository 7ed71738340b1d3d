// Streams: a model run one timestep at a time, for real-time input (audio samples, sensor readings)
// where each frame must be answered before the next one arrives.
//
//   using Net = Sequential<Input<64, 1>, LSTM<32, ReturnSequences>, Dense<1>>;   // trained on 64 steps
//   auto net = make_model<Net>();                 // ... load its weights ...
//   auto stream = make_stream(net);               // one stream (make_stream<4>(net): 4 side by side)
//   for (;;) {
//     Tensor<float, Shape<1>> frame = next_sample();    // one timestep: (features)
//     Tensor<float, Shape<1>> y = stream(frame);        // the model's output for this timestep
//   }
//   stream.reset_state();                          // a new sequence starts
//
// Each call runs the whole model on one frame: a recurrent layer takes one step from the state it
// kept at the last call (as Keras' stateful=True with one timestep per batch), layers that act on
// each timestep alone (Dense, activations, Dropout) act on this frame, and the layers after a recurrent layer
// without ReturnSequences see its state as it is after this frame. So the output for frame t is what
// the model gives for the sequence of frames 0..t: the last row of its output with ReturnSequences,
// its output without. The numbers are those of the whole-sequence forward (tests: model/stream_test).
//
// The timestep count in the model's Input does not bound a stream; streams run as long as frames
// come. A stream refers to the model (whose weights it uses as they are at each call, so it must not
// outlive the model) and owns the states and buffers, all of static size: no heap, no locks, no
// allocation per call; step(x, y) on raw floats is the lowest-overhead form. One stream serves one
// thread; several streams may share one model.
//
// What cannot stream is a compile error (NOT_STREAMABLE, reads_whole_sequence): a layer that reads
// timesteps to come or all of them before the first output (GoBackwards, Bidirectional, pooling or
// flattening over time) before the last recurrent layer that drops the time axis. A layer type
// that acts on each timestep alone but is not Dense or an activation can say so with a member
// forward_rows(x, y, rows): rows of its last axis at once.
#pragma once
#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>

#include "../config.hpp"
#include "../diagnostics/error.hpp"
#include "../kernels/gemm/gemm.hpp"
#include "../layers/activation.hpp"
#include "../layers/dense.hpp"
#include "../layers/recurrent.hpp"
#include "../shape/shape.hpp"
#include "../tensor/tensor.hpp"
#include "model_ptr.hpp"
#include "sequential.hpp"

#define TSHAPE_MSG_STREAM_FRAME \
  "tshape: a stream takes one timestep of the model's Input (frame_shape), or Batch of them (Batch, frame...)"
#define TSHAPE_MSG_NOT_STREAMABLE  \
  "tshape: make_stream: this layer needs timesteps that have not come yet or all of them at once "  \
  "(GoBackwards, Bidirectional, pooling over time), so the model cannot run one frame at a time"

namespace tshape {

namespace detail {

template <class L>
struct is_dense : std::false_type {};
template <int U, class... O>
struct is_dense<Dense<U, O...>> : std::true_type {};

/// A bound layer that gives its input unchanged: relabel_layer<S, S> or one built on it (Dropout).
template <class S>
std::true_type identity_base(const relabel_layer<S, S>*);
std::false_type identity_base(const void*);
template <class B> struct is_identity : decltype(identity_base(static_cast<const B*>(nullptr))) {};

/// How a stream runs one layer.
enum class stream_kind {
  recurrent,     // one step from its kept state
  rows,          // acts on each timestep alone: the frame's rows of its last axis
  whole,         // after the time axis is gone: its ordinary forward on the frame's result
  not_streamable,
};

template <class Net>
struct stream_plan {
  using layers = typename Net::layers;
  static constexpr std::size_t n = []<class... L>(type_list<L...>) { return sizeof...(L); }(layers{});
  template <std::size_t I>
  using spec = type_at_t<I, layers>;
  template <std::size_t I>
  using bound = typename Net::template layer_type<I>;

  /// Whether the input of layer I still has the time axis (the output of the model's last layer is
  /// input n).
  template <std::size_t I>
  static constexpr bool timed() {
    if constexpr (I == 0)
      return true;
    else if constexpr (is_recurrent_v<spec<I - 1>>)
      return timed<I - 1>() && spec<I - 1>::return_sequences;
    else
      return timed<I - 1>();
  }

  template <std::size_t I>
  static constexpr stream_kind kind() {
    using L = spec<I>;
    if constexpr (!timed<I>())
      return stream_kind::whole;
    else if constexpr (is_recurrent_v<L>)
      return L::go_backwards ? stream_kind::not_streamable : stream_kind::recurrent;
    else if constexpr (is_dense<L>::value || is_activation_v<L> || is_identity<bound<I>>::value ||
                       requires(const bound<I>& b, const float* x, float* y) { b.forward_rows(x, y, 1); })
      return stream_kind::rows;
    else
      return stream_kind::not_streamable;
  }

  /// One frame's shape at input I of layer I (I = n: the model's output), per sample.
  template <std::size_t I>
  using frame_at = std::conditional_t<timed<I>(), drop_front_t<typename Net::template shape_at<I>>,
                                      typename Net::template shape_at<I>>;

  /// void, or the diagnosis of the first layer that cannot run in a stream.
  template <std::size_t I = 0>
  static constexpr auto first_problem() {
    if constexpr (!std::is_void_v<typename Net::diagnosis>)  // the model itself reports its error
      return std::type_identity<void>{};
    else if constexpr (I == n)
      return std::type_identity<void>{};
    else if constexpr (kind<I>() == stream_kind::not_streamable)
      return std::type_identity<error::NOT_STREAMABLE<error::at_layer<static_cast<int>(I)>, spec<I>,
                                                      error::reads_whole_sequence>>{};
    else
      return first_problem<I + 1>();
  }
  using diagnosis = typename decltype(first_problem())::type;
};

}  // namespace detail

/// A model run one frame (timestep) at a time, keeping each recurrent layer's state between calls.
/// Make it with make_stream(net); see the top of this header.
template <class Net, int Batch = 1>
class Stream {
  static_assert(Batch > 0, "tshape: a stream's Batch is a positive number of streams run side by side");
  static_assert(Net::has_input, "tshape: make_stream needs a model whose first argument is Input<...>");
  static_assert(Net::input_shape::rank >= 2,
                "tshape: a stream runs a model of sequences, whose Input is <timesteps, features...>");
  using plan = detail::stream_plan<Net>;
  static constexpr std::size_t n = plan::n;

  template <std::size_t I>
  static constexpr std::size_t frame_floats() {
    return static_cast<std::size_t>(plan::template frame_at<I>::static_size) * Batch;
  }
  template <std::size_t I>
  static constexpr std::size_t state_floats() {
    if constexpr (plan::template kind<I>() == detail::stream_kind::recurrent)
      return plan::template bound<I>::state_floats(Batch);
    else
      return 0;
  }
  template <std::size_t I>
  static constexpr std::size_t state_offset() {
    if constexpr (I == 0)
      return 0;
    else
      return state_offset<I - 1>() + state_floats<I - 1>();
  }
  static constexpr std::size_t max_over_layers(auto f) {
    std::size_t m = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) { ((m = std::max(m, f.template operator()<I>())), ...); }(
        std::make_index_sequence<n>{});
    return m;
  }
  static constexpr std::size_t buffer_floats = (max_over_layers([]<std::size_t I>() {
    return I + 1 < n ? frame_floats<I + 1>() : std::size_t{0};
  }) + 15) / 16 * 16;  // whole cache lines, so that both buffers stay aligned
  static constexpr std::size_t scratch_floats = max_over_layers([]<std::size_t I>() {
    if constexpr (plan::template kind<I>() == detail::stream_kind::recurrent)
      return plan::template bound<I>::step_scratch_floats(Batch);
    else if constexpr (plan::template kind<I>() == detail::stream_kind::whole)
      return plan::template bound<I>::scratch_floats(Batch);
    else
      return std::size_t{0};
  });

 public:
  /// One frame of one stream: the model's Input without its time axis.
  using frame_shape = typename plan::template frame_at<0>;
  /// The model's output for one frame of one stream.
  using output_shape = typename plan::template frame_at<n>;
  static constexpr int batch = Batch;
  /// Floats of kept state (every recurrent layer's h, and c for LSTM).
  static constexpr std::size_t state_size = state_offset<n>();

  explicit Stream(const Net& net) : net_(&net) {
    // Here rather than in the class, so that clang reports it alone (a class whose static_assert
    // fails loses its members there, and every use of them is one more error). make_stream reports
    // it one level closer to the user's line.
    static_assert(no_error<typename plan::diagnosis>, TSHAPE_MSG_NOT_STREAMABLE);
    reset_state();
  }

  /// Forgets every frame seen: the next frame starts a new sequence (zero states, as Keras).
  void reset_state() { std::fill(std::begin(state_), std::end(state_), 0.0f); }

  /// The kept state, e.g. to save it or to start from a state of one's own.
  std::span<float> state() { return {state_, state_size}; }
  std::span<const float> state() const { return {state_, state_size}; }

  /// y = the model on frame x, for Batch streams: x holds Batch frames (frame_shape each), y Batch
  /// outputs (output_shape each).
  void step(const float* x, float* y) {
    [&]<std::size_t... I>(std::index_sequence<I...>) { (run<I>(x, y), ...); }(std::make_index_sequence<n>{});
  }

  /// The model on one frame: x of frame_shape (one stream) or (Batch, frame...) (a Tensor or a
  /// TensorView); returns the output in the same form.
  template <class X>
    requires is_tensor<X>::value
  auto operator()(const X& x) {
    using S = typename X::shape;
    constexpr bool batched = std::is_same_v<S, prepend_t<Batch, frame_shape>>;
    using D = typename decltype(frame_rule<typename X::value_type, S>())::type;
    static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
    static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_STREAM_FRAME);
    using Out = std::conditional_t<batched, prepend_t<Batch, output_shape>, output_shape>;
    Tensor<float, Out> y;
    if constexpr (std::is_void_v<D>) {
      const TensorView<const float, S> xv = x;
      step(xv.data(), y.data());
    }
    return y;
  }

 private:
  // A frame x of element type T and shape S: one timestep of the Input, alone or Batch of them.
  template <class T, class S>
  static constexpr auto frame_rule() {
    if constexpr (!std::is_same_v<std::remove_cv_t<T>, float>)
      return std::type_identity<error::DTYPE_MISMATCH<error::at_stream_input, error::expected_dtype<float>,
                                                      error::but_got_dtype<std::remove_cv_t<T>>>>{};
    else if constexpr (std::is_same_v<S, prepend_t<Batch, frame_shape>> || (Batch == 1 && std::is_same_v<S, frame_shape>))
      return std::type_identity<void>{};
    else
      return std::type_identity<error::SHAPE_MISMATCH<error::at_stream_input, error::expected_frame_shape<frame_shape>,
                                                      error::got_tensor<S>>>{};
  }

  template <std::size_t I>
  void run(const float* x, float* y) {
    const float* in = I == 0 ? x : buffers_[(I + 1) % 2];
    float* out = I + 1 == n ? y : buffers_[I % 2];
    const auto& l = net_->template layer<I>();
    using L = typename plan::template spec<I>;
    constexpr auto kind = plan::template kind<I>();
    if constexpr (kind == detail::stream_kind::recurrent) {
      l.template step<Batch>(in, out, Batch, state_ + state_offset<I>(), scratch_);
    } else if constexpr (kind == detail::stream_kind::whole) {
      l.forward(in, out, Batch, scratch_);
    } else if constexpr (kind == detail::stream_kind::rows) {
      using F = typename plan::template frame_at<I>;
      constexpr int cols = last_extent_v<F>;
      constexpr int rows = static_cast<int>(F::static_size / cols) * Batch;
      if constexpr (detail::is_dense<L>::value) {
        // Dense's forward on `rows` rows (layers/dense.hpp), with the model's kernel and bias.
        using Act = typename L::activation;
        const float* b = nullptr;
        if constexpr (L::use_bias) b = l.bias().data();
        if constexpr (Act::row_wise) {
          kernels::gemm::dense(rows, L::units, cols, in, l.kernel().data(), b, out, kernels::activation::linear{});
          detail::apply_activation<Act>(out, rows, L::units);
        } else {
          kernels::gemm::dense(rows, L::units, cols, in, l.kernel().data(), b, out, Act::function());
        }
      } else if constexpr (is_activation_v<L>) {
        std::copy_n(in, static_cast<std::ptrdiff_t>(rows) * cols, out);
        detail::apply_activation<L>(out, rows, cols);
      } else if constexpr (detail::is_identity<typename plan::template bound<I>>::value) {
        std::copy_n(in, static_cast<std::ptrdiff_t>(rows) * cols, out);
      } else {
        l.forward_rows(in, out, rows);
      }
    }  // not_streamable: reported by the class's static_assert, nothing to run
  }

  const Net* net_;
  alignas(TSHAPE_ALIGN) float state_[state_size > 0 ? state_size : 1];
  alignas(TSHAPE_ALIGN) float buffers_[2][buffer_floats > 0 ? buffer_floats : 1]{};
  alignas(TSHAPE_ALIGN) float scratch_[scratch_floats > 0 ? scratch_floats : 1]{};
};

namespace detail {
/// What make_stream returns for a model it cannot stream, after reporting why: converts to anything,
/// so that the one error is not followed by others.
struct failed_stream {
  template <class T>
  operator T() const {  // NOLINT: implicit by design
    return T{};
  }
};
}  // namespace detail

/// A stream over `net` (a model or a model_ptr): Batch independent streams side by side, zero states.
template <int Batch = 1, class Net>
auto make_stream(const Net& net) {
  static_assert(no_error<typename detail::stream_plan<Net>::diagnosis>, TSHAPE_MSG_NOT_STREAMABLE);
  if constexpr (std::is_void_v<typename Net::diagnosis> && std::is_void_v<typename detail::stream_plan<Net>::diagnosis>)
    return Stream<Net, Batch>(net);
  else
    return detail::failed_stream{};
}
/// A stream refers to its model: not to a temporary one, which would be gone at the first call.
template <int Batch = 1, class Net>
void make_stream(const Net&&) = delete;
#ifndef TSHAPE_NO_HEAP
template <int Batch = 1, class Net>
auto make_stream(const model_ptr<Net>& net) {
  static_assert(no_error<typename detail::stream_plan<Net>::diagnosis>, TSHAPE_MSG_NOT_STREAMABLE);
  if constexpr (std::is_void_v<typename Net::diagnosis> && std::is_void_v<typename detail::stream_plan<Net>::diagnosis>)
    return Stream<Net, Batch>(*net);
  else
    return detail::failed_stream{};
}
#endif

}  // namespace tshape
