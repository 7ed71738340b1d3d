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
// Each call runs the whole model on one frame, and the output for frame t (when it gives one, see
// below) is what the model gives for the sequence of frames 0..t: the last row of its output while
// the time axis lasts, its output after a recurrent layer without ReturnSequences dropped it. The
// numbers are those of the whole-sequence forward (tests: model/stream_test, model/stream_window_test).
//
// What streams, layer by layer while the time axis lasts (the layers after the last recurrent layer
// without ReturnSequences run their ordinary forward on what it gives, whatever they are):
//   - GRU, LSTM, SimpleRNN (not GoBackwards): one step from the state kept at the last call (Keras'
//     stateful=True with one timestep per batch);
//   - layers that act on each timestep alone: Dense, activations, Dropout, and any layer type with a
//     member forward_rows(x, y, rows) (rows of its last axis at once: Rescaling, LayerNormalization)
//     or forward_frames(x, y, frames, scratch) with frame_scratch_floats(frames) (whole frames at
//     once: TimeDistributed, BatchNormalization with its moving statistics);
//   - Reshape that keeps the time axis first and reshapes only the frame's own axes, e.g.
//     Input<T, 8, 2> then Reshape<T, 16> (or Reshape<-1, 16>): frames of (8, 2) become frames of (16);
//   - Conv1D with Padding::causal or Padding::valid, any DilationRate, Strides<1>: a window of the
//     last (kernel - 1) * dilation + 1 frames kept per stream;
//   - MaxPooling1D and AveragePooling1D with Padding::valid, any Pool and Strides: a window of the
//     last `pool` frames.
// A 'valid' window gives its first output once it is full (frame (kernel - 1) * dilation, or pool - 1)
// and then one every `strides` frames; 'causal' starts full of the padding's zeros, so every frame
// gives an output. A frame that gives no output stops the frame there: the layers after it do not run
// (a recurrent layer after it takes no step) and the model's output is not ready. step() returns
// whether it is; a model whose every frame gives an output (Stream::always_ready) returns its output
// Tensor from the call, the others a stream_output (`if (auto y = stream(x)) use(*y);`).
//
// The timestep count in the model's Input does not bound a stream; streams run as long as frames
// come. A stream refers to the model (whose weights it uses as they are at each call, so it must not
// outlive the model) and owns the states, the windows' frames and its buffers, all of static size:
// no heap, no locks, no allocation per call; step(x, y) on raw floats is the lowest-overhead form.
// One stream serves one thread; several streams may share one model. reset_state() forgets every
// frame (zero states, empty windows); a copy of a stream is a stream at the same point.
//
// Everything else before the time axis is gone is a compile error (NOT_STREAMABLE), with the reason
// in the diagnosis: reads_timesteps_to_come (Padding::same over time), reads_whole_sequence
// (GoBackwards, Bidirectional, global pooling, and any other layer), mixes_timesteps (Flatten, or a
// Reshape that does not keep the time axis first), strides_over_time (Conv1D with Strides > 1).
#pragma once
#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>

#include "../config.hpp"
#include "../diagnostics/error.hpp"
#include "../kernels/gemm/gemm.hpp"
#include "../layers/activation.hpp"
#include "../layers/average_pooling1d.hpp"
#include "../layers/conv1d.hpp"
#include "../layers/dense.hpp"
#include "../layers/max_pooling1d.hpp"
#include "../layers/recurrent.hpp"
#include "../shape/shape.hpp"
#include "../tensor/tensor.hpp"
#include "model_ptr.hpp"
#include "sequential.hpp"

#define TSHAPE_MSG_STREAM_FRAME \
  "tshape: a stream takes one timestep of the model's Input (frame_shape), or Batch of them (Batch, frame...)"
#define TSHAPE_MSG_NOT_STREAMABLE                                                                            \
  "tshape: make_stream: this layer needs timesteps that have not come yet or all of them at once "             \
  "(GoBackwards, Bidirectional, Padding::same, global pooling, Flatten or a Reshape across timesteps, Conv1D " \
  "with Strides > 1), or reads token ids (Embedding: a stream's frames are floats), so the model cannot run "   \
  "one frame at a time (Conv1D streams with Padding::causal or valid, pooling over time with valid)"
#define TSHAPE_MSG_STREAM_OF_TEMPORARY                                                                       \
  "tshape: a stream runs on its model, which must outlive it: give make_stream a named model (auto net = " \
  "make_model<Net>(); auto stream = make_stream(net);), not a temporary one"
#define TSHAPE_MSG_STREAM_NEEDS_SEQUENTIAL                                                                     \
  "tshape: make_stream runs a Sequential model one frame at a time; a functional model (model(...)) does not " \
  "stream: write its chain of layers as Sequential<Input<...>, ...> (the weights keep their order and names)"

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

/// A bound layer that only relabels its input's elements (Reshape, Flatten): its output shape.
template <class In, class Out>
std::type_identity<Out> relabel_base(const relabel_layer<In, Out>*);
std::type_identity<void> relabel_base(const void*);
template <class B>
using relabel_output_t = typename decltype(relabel_base(static_cast<const B*>(nullptr)))::type;

/// A layer over the time axis in windows of frames, as a stream runs it: Conv1D and the 1D pools.
template <class L>
struct time_window {
  static constexpr bool is_window = false;
};
template <int Filters, class... O>
struct time_window<Conv1D<Filters, O...>> {
  using opts = typename Conv1D<Filters, O...>::opts;
  static constexpr bool is_window = true, is_conv = true, is_max = false;
  static constexpr int kernel = opts::kw, dilation = opts::dw, strides = opts::sw;
  static constexpr int frames = dilated(kernel, dilation);  // the frames one output reads
  static constexpr bool causal = opts::causal, same = opts::same;
};
template <bool Max, class... O>
struct pool_window {
  using opts = pool_options<1, O...>;
  static constexpr bool is_window = true, is_conv = false, is_max = Max;
  static constexpr int kernel = opts::kw, dilation = 1, strides = opts::sw;
  static constexpr int frames = kernel;
  static constexpr bool causal = false, same = opts::same;
};
template <class... O>
struct time_window<MaxPooling1D<O...>> : pool_window<true, O...> {};
template <class... O>
struct time_window<AveragePooling1D<O...>> : pool_window<false, O...> {};

/// How a stream runs one layer.
enum class stream_kind {
  recurrent,     // one step from its kept state
  rows,          // acts on each timestep alone: the frame's rows of its last axis
  reshape,       // reshapes the frame's own axes: the frame's elements as they are
  window,        // Conv1D, MaxPooling1D, AveragePooling1D: a window of the last frames
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

  /// Why layer I (on the time axis) cannot stream: void when it can.
  template <std::size_t I>
  static constexpr auto reason() {
    using L = spec<I>;
    using B = bound<I>;
    using In = typename Net::template shape_at<I>;
    if constexpr (takes_token_ids_of<L>()) {
      return std::type_identity<error::streams_take_float_frames>{};
    } else if constexpr (is_recurrent_v<L>) {
      if constexpr (L::go_backwards)
        return std::type_identity<error::reads_whole_sequence>{};
      else
        return std::type_identity<void>{};
    } else if constexpr (is_dense<L>::value || is_activation_v<L> || is_identity<B>::value ||
                         requires(const B& b, const float* x, float* y) { b.forward_rows(x, y, 1); } ||
                         requires(const B& b, const float* x, float* y, float* m) { b.forward_frames(x, y, 1, m); }) {
      return std::type_identity<void>{};
    } else if constexpr (!std::is_void_v<relabel_output_t<B>>) {
      using Out = relabel_output_t<B>;
      // Row-major: each frame's elements stay together exactly when the time axis stays first.
      if constexpr (Out::rank >= 2 && extent_v<Out, 0> == extent_v<In, 0>)
        return std::type_identity<void>{};
      else
        return std::type_identity<error::mixes_timesteps>{};
    } else if constexpr (time_window<L>::is_window) {
      using W = time_window<L>;
      if constexpr (W::same)
        return std::type_identity<error::reads_timesteps_to_come>{};
      else if constexpr (W::is_conv && W::strides != 1)
        return std::type_identity<error::strides_over_time>{};
      else
        return std::type_identity<void>{};
    } else {
      return std::type_identity<error::reads_whole_sequence>{};
    }
  }

  template <std::size_t I>
  static constexpr stream_kind kind() {
    using L = spec<I>;
    if constexpr (!timed<I>())
      return stream_kind::whole;
    else if constexpr (!std::is_void_v<typename decltype(reason<I>())::type>)
      return stream_kind::not_streamable;
    else if constexpr (is_recurrent_v<L>)
      return stream_kind::recurrent;
    else if constexpr (time_window<L>::is_window)
      return stream_kind::window;
    else if constexpr (!std::is_void_v<relabel_output_t<bound<I>>> && !is_identity<bound<I>>::value)
      return stream_kind::reshape;
    else
      return stream_kind::rows;
  }

  /// True when layer I gives an output for every frame it is given: all but a 'valid' window of more
  /// than one frame, or one with strides.
  template <std::size_t I>
  static constexpr bool always_ready() {
    if constexpr (kind<I>() != stream_kind::window) {
      return true;
    } else {
      using W = time_window<spec<I>>;
      return W::strides == 1 && (W::causal || W::frames == 1);
    }
  }

  /// One frame's shape at input I of layer I (I = n: the model's output), per sample. (A model that
  /// reports its own error has Shape<> there, which has no time axis to drop: no second error.)
  template <class S>
  struct without_time {
    using type = drop_front_t<S>;
  };
  template <class Empty>
    requires(Empty::rank == 0)
  struct without_time<Empty> {
    using type = Empty;
  };
  template <std::size_t I>
  using frame_at = std::conditional_t<timed<I>(), typename without_time<typename Net::template shape_at<I>>::type,
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
                                                      typename decltype(reason<I>())::type>>{};
    else
      return first_problem<I + 1>();
  }
  using diagnosis = typename decltype(first_problem())::type;
};

/// y (rows, units) = act(x (rows, cols) . kernel (cols, units) + bias): Dense's forward (layers/dense.hpp).
template <class Act>
void dense_rows(int rows, int units, int cols, const float* x, const float* kernel, const float* bias, float* y) {
  if constexpr (Act::row_wise) {
    kernels::gemm::dense(rows, units, cols, x, kernel, bias, y, kernels::activation::linear{});
    apply_activation<Act>(y, rows, units);
  } else {
    kernels::gemm::dense(rows, units, cols, x, kernel, bias, y, Act::function());
  }
}

/// Where a window layer stands: the slot its next frame goes to, how many of its frames are in (at
/// most its window), and the frames since its last output.
struct window_position {
  int next = 0, filled = 0, phase = 0;
};

}  // namespace detail

template <class Net, int Batch>
class Stream;

/// What a stream's call returns for a model whose frames do not all give an output (a 'valid'
/// Conv1D, or pooling over time): the output, and whether this frame gave one.
///   if (auto y = stream(frame)) use(*y);
template <class S>
class stream_output {
 public:
  /// True when this frame gave an output; otherwise the tensor holds nothing of use.
  bool ready() const { return ready_; }
  explicit operator bool() const { return ready_; }
  const Tensor<float, S>& value() const { return y_; }
  Tensor<float, S>& value() { return y_; }
  const Tensor<float, S>& operator*() const { return y_; }
  Tensor<float, S>& operator*() { return y_; }
  const Tensor<float, S>* operator->() const { return &y_; }
  Tensor<float, S>* operator->() { return &y_; }

 private:
  template <class, int>
  friend class Stream;
  Tensor<float, S> y_{};
  bool ready_ = false;
};

/// A model run one frame (timestep) at a time, keeping each recurrent layer's state between calls.
/// Make it with make_stream(net); see the top of this header.
template <class Net, int Batch = 1>
class Stream {
  static_assert(Batch > 0, "tshape: a stream's Batch is a positive number of streams run side by side");
  static_assert(Net::has_input, "tshape: make_stream needs a model whose first argument is Input<...>");
  static constexpr bool input_has_time_axis = Net::input_shape::rank >= 2;  // a name: clang 16 adds no note
  static_assert(input_has_time_axis, "tshape: a stream runs a model of sequences, whose Input is <timesteps, features...>");
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
  template <std::size_t I>
  static constexpr std::size_t window_floats() {
    if constexpr (plan::template kind<I>() == detail::stream_kind::window)
      return static_cast<std::size_t>(window<I>::frames) * frame_floats<I>();
    else
      return 0;
  }
  template <std::size_t I>
  static constexpr std::size_t window_offset() {
    if constexpr (I == 0)
      return 0;
    else
      return window_offset<I - 1>() + window_floats<I - 1>();
  }
  template <std::size_t I>
  using window = detail::time_window<typename plan::template spec<I>>;
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
    else if constexpr (plan::template kind<I>() == detail::stream_kind::window)
      return window<I>::is_conv ? static_cast<std::size_t>(window<I>::kernel) * frame_floats<I>() : 0;
    else if constexpr (requires { plan::template bound<I>::frame_scratch_floats(Batch); })
      return plan::template bound<I>::frame_scratch_floats(Batch);
    else
      return std::size_t{0};
  });
  static constexpr std::size_t windows_size = window_offset<n>();

 public:
  /// One frame of one stream: the model's Input without its time axis.
  using frame_shape = typename plan::template frame_at<0>;
  /// The model's output for one frame of one stream.
  using output_shape = typename plan::template frame_at<n>;
  static constexpr int batch = Batch;
  /// Floats of kept state (every recurrent layer's h, and c for LSTM).
  static constexpr std::size_t state_size = state_offset<n>();
  /// True when every frame gives an output (no 'valid' window over time, no strides): the call then
  /// returns the output Tensor, else a stream_output that says whether this frame gave one.
  static constexpr bool always_ready = [] {
    bool all = true;
    [&]<std::size_t... I>(std::index_sequence<I...>) { ((all = all && plan::template always_ready<I>()), ...); }(
        std::make_index_sequence<n>{});
    return all;
  }();

  explicit Stream(const Net& net) : net_(&net) {
    // Here rather than in the class, so that clang reports it alone (a class whose static_assert
    // fails loses its members there, and every use of them is one more error). make_stream reports
    // it one level closer to the user's line.
    static_assert(no_error<typename plan::diagnosis>, TSHAPE_MSG_NOT_STREAMABLE);
    reset_state();
  }

  /// Forgets every frame seen: the next frame starts a new sequence (zero states, as Keras; windows
  /// empty, or for 'causal' full of the padding's zeros).
  void reset_state() {
    std::fill(std::begin(state_), std::end(state_), 0.0f);
    std::fill(std::begin(windows_), std::end(windows_), 0.0f);
    [&]<std::size_t... I>(std::index_sequence<I...>) { (reset_window<I>(), ...); }(std::make_index_sequence<n>{});
  }

  /// The recurrent layers' kept state, e.g. to save it or to start from a state of one's own (the
  /// windows' frames are not in it: a copy of the stream keeps them too).
  std::span<float> state() { return {state_, state_size}; }
  std::span<const float> state() const { return {state_, state_size}; }

  /// y = the model on frame x, for Batch streams: x holds Batch frames (frame_shape each), y Batch
  /// outputs (output_shape each). Returns whether this frame gave an output (always, when
  /// always_ready); y is left as it was when not.
  bool step(const float* x, float* y) {
    bool ready = true;
    [&]<std::size_t... I>(std::index_sequence<I...>) { ((ready = ready && run<I>(x, y)), ...); }(
        std::make_index_sequence<n>{});
    return ready;
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
    if constexpr (always_ready) {
      Tensor<float, Out> y;
      if constexpr (std::is_void_v<D>) {
        const TensorView<const float, S> xv = x;
        step(xv.data(), y.data());
      }
      return y;
    } else {
      stream_output<Out> y;
      if constexpr (std::is_void_v<D>) {
        const TensorView<const float, S> xv = x;
        y.ready_ = step(xv.data(), y.y_.data());
      }
      return y;
    }
  }

 private:
  // A frame x of element type T and shape S: one timestep of the Input, alone or Batch of them.
  template <class T, class S>
  static constexpr auto frame_rule() {
    if constexpr (!(Batch > 0 && Net::has_input && Net::input_shape::rank >= 2))  // the class says so, once
      return std::type_identity<error::the_model_reports_its_error>{};
    else if constexpr (!std::is_same_v<std::remove_cv_t<T>, float>)
      return std::type_identity<error::DTYPE_MISMATCH<error::at_stream_input, error::expected_dtype<float>,
                                                      error::but_got_dtype<std::remove_cv_t<T>>>>{};
    else if constexpr (std::is_same_v<S, prepend_t<Batch, frame_shape>> || (Batch == 1 && std::is_same_v<S, frame_shape>))
      return std::type_identity<void>{};
    else
      return std::type_identity<error::SHAPE_MISMATCH<error::at_stream_input, error::expected_frame_shape<frame_shape>,
                                                      error::got_tensor<S>>>{};
  }

  template <std::size_t I>
  void reset_window() {
    if constexpr (plan::template kind<I>() == detail::stream_kind::window)
      positions_[I] = {0, window<I>::causal ? window<I>::frames - 1 : 0, 0};  // 'causal': the padding is in
  }

  // Layer I on this frame; false when it gives no output for it (a window not full, or between strides).
  template <std::size_t I>
  bool run(const float* x, float* y) {
    const float* in = I == 0 ? x : buffers_[(I + 1) % 2];
    float* out = I + 1 == n ? y : buffers_[I % 2];
    const auto& l = net_->template layer<I>();
    using L = typename plan::template spec<I>;
    constexpr auto kind = plan::template kind<I>();
    if constexpr (kind == detail::stream_kind::recurrent) {
      l.template step<Batch>(in, out, Batch, state_ + state_offset<I>(), scratch_);
    } else if constexpr (kind == detail::stream_kind::whole) {
      l.forward(in, out, Batch, scratch_);
    } else if constexpr (kind == detail::stream_kind::reshape) {
      std::copy_n(in, frame_floats<I>(), out);
    } else if constexpr (kind == detail::stream_kind::window) {
      return run_window<I>(in, out);
    } else if constexpr (kind == detail::stream_kind::rows) {
      using F = typename plan::template frame_at<I>;
      constexpr int cols = last_extent_v<F>;
      constexpr int rows = static_cast<int>(F::static_size / cols) * Batch;
      if constexpr (detail::is_dense<L>::value) {
        const float* b = nullptr;
        if constexpr (L::use_bias) b = l.bias().data();
        detail::dense_rows<typename L::activation>(rows, L::units, cols, in, l.kernel().data(), b, out);
      } else if constexpr (is_activation_v<L>) {
        std::copy_n(in, static_cast<std::ptrdiff_t>(rows) * cols, out);
        detail::apply_activation<L>(out, rows, cols);
      } else if constexpr (detail::is_identity<typename plan::template bound<I>>::value) {
        std::copy_n(in, static_cast<std::ptrdiff_t>(rows) * cols, out);
      } else if constexpr (requires { l.forward_frames(in, out, Batch, scratch_); }) {
        l.forward_frames(in, out, Batch, scratch_);
      } else {
        l.forward_rows(in, out, rows);
      }
    }  // not_streamable: reported by the class's static_assert, nothing to run
    return true;
  }

  // A window layer: the frame goes into its ring of the last `frames` frames (slot = time mod frames);
  // once the ring is full, an output every `strides` frames, from the ring alone.
  template <std::size_t I>
  bool run_window(const float* in, float* out) {
    using W = window<I>;
    constexpr int frames = W::frames;
    constexpr std::size_t frame = frame_floats<I>();  // Batch frames of `channels`
    constexpr int channels = static_cast<int>(frame / Batch);
    float* ring = windows_ + window_offset<I>();
    auto& at = positions_[I];
    const int newest = at.next;
    std::copy_n(in, frame, ring + static_cast<std::size_t>(newest) * frame);
    at.next = newest + 1 == frames ? 0 : newest + 1;
    if (at.filled < frames) {
      if (++at.filled < frames) return false;
      at.phase = 0;
    } else {
      at.phase = at.phase + 1 == W::strides ? 0 : at.phase + 1;
      if (at.phase != 0) return false;
    }
    const auto slot = [&](int back) {  // the frame `back` frames before the newest
      const int s = newest - back;
      return ring + static_cast<std::size_t>(s < 0 ? s + frames : s) * frame;
    };
    if constexpr (W::is_conv) {
      // Each stream's taps side by side, (Batch, kernel * channels): one row of Dense's product with
      // the kernel (kernel, channels, filters) read as (kernel * channels, filters).
      using L = typename plan::template spec<I>;
      const auto& l = net_->template layer<I>();
      constexpr int row = W::kernel * channels;
      for (int tap = 0; tap < W::kernel; ++tap) {
        const float* f = slot((W::kernel - 1 - tap) * W::dilation);
        for (int b = 0; b < Batch; ++b)
          std::copy_n(f + b * channels, channels, scratch_ + b * row + tap * channels);
      }
      const float* bias = nullptr;
      if constexpr (L::use_bias) bias = l.bias().data();
      detail::dense_rows<typename L::activation>(Batch, L::filters, row, scratch_, l.kernel().data(), bias, out);
    } else {
      std::copy_n(slot(0), frame, out);
      for (int back = 1; back < frames; ++back) {
        const float* f = slot(back);
        for (std::size_t k = 0; k < frame; ++k) out[k] = W::is_max ? std::max(out[k], f[k]) : out[k] + f[k];
      }
      if constexpr (!W::is_max)
        for (std::size_t k = 0; k < frame; ++k) out[k] /= static_cast<float>(frames);
    }
    return true;
  }

  const Net* net_;
  alignas(TSHAPE_ALIGN) float state_[state_size > 0 ? state_size : 1];
  alignas(TSHAPE_ALIGN) float buffers_[2][buffer_floats > 0 ? buffer_floats : 1]{};
  alignas(TSHAPE_ALIGN) float scratch_[scratch_floats > 0 ? scratch_floats : 1]{};
  alignas(TSHAPE_ALIGN) float windows_[windows_size > 0 ? windows_size : 1]{};
  detail::window_position positions_[n]{};
};

namespace detail {
/// What make_stream returns for a model it cannot stream, after reporting why: converts to anything
/// and has a Stream's members, so that the one error is not followed by others.
struct failed_stream {
  template <class T>
  operator T() const {  // NOLINT: implicit by design
    return unreachable_value<T>();
  }
  template <class... X>
  failed_model_output operator()(const X&...) const {
    return {};
  }
  bool step(const float*, float*) const { return false; }
  void reset_state() const {}
  failed_model_output state() const { return {}; }
};
}  // namespace detail

namespace detail {
/// void when make_stream can plan Net (a Sequential), else why not; the plan's own diagnosis after.
template <class Net>
struct stream_diagnosis {
  using kind = error::NOT_STREAMABLE<error::at_model_call, Net, error::streams_run_a_Sequential_model>;
  using plan = void;
};
template <class Net>
  requires requires { typename Net::template shape_at<0>; }
struct stream_diagnosis<Net> {
  using kind = void;
  using plan = typename stream_plan<Net>::diagnosis;
};
template <class Net>
inline constexpr bool streamable = std::is_void_v<typename Net::diagnosis> &&
                                   std::is_void_v<typename stream_diagnosis<Net>::kind> &&
                                   std::is_void_v<typename stream_diagnosis<Net>::plan>;
}  // namespace detail

/// A stream over `net` (a model or a model_ptr): Batch independent streams side by side, zero states.
template <int Batch = 1, class Net>
auto make_stream(const Net& net) {
  static_assert(no_error<typename detail::stream_diagnosis<Net>::kind>, TSHAPE_MSG_STREAM_NEEDS_SEQUENTIAL);
  static_assert(no_error<typename detail::stream_diagnosis<Net>::plan>, TSHAPE_MSG_NOT_STREAMABLE);
  if constexpr (detail::streamable<Net>)
    return Stream<Net, Batch>(net);
  else
    return detail::failed_stream{};
}
/// A stream refers to its model: not to a temporary one, which would be gone at the first call. One
/// error in words, and a stand-in that keeps the program's uses of the stream quiet.
template <int Batch = 1, class Net>
auto make_stream(const Net&&) {
  static_assert(no_error<error::STREAM_OF_TEMPORARY<error::at_make_stream, Net>>, TSHAPE_MSG_STREAM_OF_TEMPORARY);
  return detail::failed_stream{};
}
#ifndef TSHAPE_NO_HEAP
template <int Batch = 1, class Net>
auto make_stream(const model_ptr<Net>& net) {
  static_assert(no_error<typename detail::stream_diagnosis<Net>::kind>, TSHAPE_MSG_STREAM_NEEDS_SEQUENTIAL);
  static_assert(no_error<typename detail::stream_diagnosis<Net>::plan>, TSHAPE_MSG_NOT_STREAMABLE);
  if constexpr (detail::streamable<Net>)
    return Stream<Net, Batch>(*net);
  else
    return detail::failed_stream{};
}
#endif

}  // namespace tshape
