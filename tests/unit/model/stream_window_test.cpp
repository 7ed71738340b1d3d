// Streams over causal and 'valid' Conv1D, pooling over time and per-frame Reshape: frame by frame,
// the whole-sequence forward's numbers, an output only on the frames that give one, and the layers
// that cannot stream refused with their reason.
#include <tshape/tshape.hpp>

#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape;

namespace {

// Streams the T frames of x (Batch, T, F...) through `stream`: the outputs of the frames that gave
// one, frame after frame (Batch outputs each), and which frames did.
template <class S, class X>
std::vector<float> stream_all(S& stream, const X& x, int batch, int steps, std::vector<int>* ready = nullptr) {
  constexpr std::size_t frame = S::frame_shape::static_size, out = S::output_shape::static_size;
  std::vector<float> in(frame * static_cast<std::size_t>(batch)), y(out * static_cast<std::size_t>(batch));
  std::vector<float> all;
  for (int t = 0; t < steps; ++t) {
    for (int n = 0; n < batch; ++n)
      std::copy_n(x.data() + (static_cast<std::size_t>(n) * steps + t) * frame, frame, in.data() + n * frame);
    if (stream.step(in.data(), y.data())) {
      all.insert(all.end(), y.begin(), y.end());
      if (ready) ready->push_back(t);
    }
  }
  return all;
}

// The whole-sequence outputs (Batch, T', out) reordered as the stream gives them: (T', Batch, out).
template <class Y>
std::vector<float> time_major(const Y& y, int batch, int steps, int out) {
  std::vector<float> r;
  for (int t = 0; t < steps; ++t)
    for (int n = 0; n < batch; ++n)
      for (int j = 0; j < out; ++j) r.push_back(y[(static_cast<std::ptrdiff_t>(n) * steps + t) * out + j]);
  return r;
}

// Net (whose output keeps the time axis) on B random sequences of T frames, then the same frames
// through a stream: the outputs of the frames that gave one are the rows of the whole sequence's
// output, in order; returns the frames that gave one. A second pass after reset_state gives them again.
template <class Net, int B>
std::vector<int> check_stream(std::uint64_t seed) {
  using In = typename Net::input_shape;
  using Out = typename Net::output_shape;
  constexpr int T = extent_v<In, 0>, steps_out = extent_v<Out, 0>;
  constexpr int out = static_cast<int>(Out::static_size / steps_out);
  auto net = make_model<Net>(seed);
  tshape_test::random_floats rnd(seed + 1);
  // Small random biases, so that a frame's zero padding and a real frame of zeros differ.
  for_each_weight(*net, [&](const weight_ref& w) {
    if (std::string(w.name.view()).find("bias") != std::string::npos) rnd.fill(w.values, -0.3f, 0.3f);
  });
  Tensor<float, prepend_t<B, In>> x;
  rnd.fill(x, -2, 2);
  const auto whole = (*net)(x);
  auto stream = make_stream<B>(*net);
  std::vector<int> ready;
  const auto streamed = stream_all(stream, x, B, T, &ready);
  REQUIRE(ready.size() == static_cast<std::size_t>(steps_out));
  tshape_test::require_close(streamed, time_major(whole, B, steps_out, out), 2e-5, 2e-6);
  stream.reset_state();
  tshape_test::require_close(stream_all(stream, x, B, T), streamed, 0, 0);
  return ready;
}

std::vector<int> range(int first, int last, int step = 1) {
  std::vector<int> r;
  for (int t = first; t <= last; t += step) r.push_back(t);
  return r;
}

}  // namespace

TEST_CASE("stream: causal Conv1D gives every frame's output, the zeros of its padding at the start",
          "[model][stream][conv1d]") {
  constexpr int T = 13;
  CHECK(check_stream<Sequential<Input<T, 3>, Conv1D<5, Kernel<3>, Padding::causal>>, 1>(1) == range(0, T - 1));
  CHECK(check_stream<Sequential<Input<T, 3>, Conv1D<4, Kernel<3>, DilationRate<2>, Padding::causal, Tanh>>, 3>(2) ==
        range(0, T - 1));
  // A window longer than the sequence, an odd length, one input channel.
  CHECK(check_stream<Sequential<Input<7, 1>, Conv1D<4, Kernel<5>, DilationRate<3>, Padding::causal, ReLU>>, 2>(3) ==
        range(0, 6));
  // Stacked growing dilations (a WaveNet-like front end), then per-timestep and recurrent layers.
  using Front = Sequential<Input<T, 2>, Conv1D<6, Kernel<2>, Padding::causal, Tanh>,
                           Conv1D<6, Kernel<2>, DilationRate<2>, Padding::causal, Tanh>,
                           Conv1D<6, Kernel<2>, DilationRate<4>, Padding::causal, ReLU>, Dense<5, Softmax>,
                           GRU<7, ReturnSequences>, LSTM<4, ReturnSequences>, Dense<2>>;
  CHECK(check_stream<Front, 2>(4) == range(0, T - 1));
  CHECK(check_stream<Sequential<Input<T, 16>, Conv1D<9, Kernel<3>, DilationRate<2>, Padding::causal, Sigmoid>>, 2>(5) ==
        range(0, T - 1));
  CHECK(check_stream<Sequential<Input<T, 3>, Conv1D<4, Kernel<2>, Padding::causal, UseBias<false>>>, 1>(6) ==
        range(0, T - 1));
}

TEST_CASE("stream: BatchNormalization acts on each timestep alone, with its moving statistics", "[model][stream]") {
  constexpr int T = 11;
  using Net = Sequential<Input<T, 3>, Conv1D<6, Kernel<3>, Padding::causal>, BatchNormalization, ReLU,
                         GRU<5, ReturnSequences>, Dense<2>>;
  using Frames = Sequential<Input<T, 4, 3>, BatchNormalization, Reshape<T, 12>, Dense<3>>;  // frames of (4, 3)
  // Moving statistics other than (0, 1), so that the layer is not the identity: set through the
  // weights, then both models checked as check_stream does.
  auto moved = [](auto& net) {
    tshape_test::random_floats rnd(17);
    for_each_weight(net, [&](const weight_ref& w) {
      const std::string name(w.name.view());
      if (name.find("moving_variance") != std::string::npos) rnd.fill(w.values, 0.5f, 2.0f);
      else if (name.find("moving_mean") != std::string::npos || name.find("beta") != std::string::npos)
        rnd.fill(w.values, -0.5f, 0.5f);
      else if (name.find("gamma") != std::string::npos) rnd.fill(w.values, 0.5f, 1.5f);
    });
  };
  auto net = make_model<Net>(3);
  moved(*net);
  Tensor<float, Shape<2, T, 3>> x;
  tshape_test::random_floats rnd(4);
  rnd.fill(x, -2, 2);
  auto stream = make_stream<2>(*net);
  tshape_test::require_close(stream_all(stream, x, 2, T), time_major((*net)(x), 2, T, 2), 2e-5, 2e-6);
  auto frames = make_model<Frames>(5);
  moved(*frames);
  Tensor<float, Shape<1, T, 4, 3>> v;
  rnd.fill(v, -2, 2);
  auto video = make_stream(*frames);
  tshape_test::require_close(stream_all(video, v, 1, T), time_major((*frames)(v), 1, T, 3), 2e-5, 2e-6);
}

TEST_CASE("stream: causal Conv1D then GRU, as the guide shows it: Tensors in and out", "[model][stream][conv1d]") {
  using Net = Sequential<Input<50, 1>, Conv1D<16, Kernel<3>, DilationRate<2>, Padding::causal, ReLU>, GRU<32>, Dense<1>>;
  using Twin = Sequential<Input<50, 1>, Conv1D<16, Kernel<3>, DilationRate<2>, Padding::causal, ReLU>,
                          GRU<32, ReturnSequences>, Dense<1>>;
  auto net = make_model<Net>(7);
  auto twin = make_model<Twin>();
  auto a = weights(*net), b = weights(*twin);
  for (std::size_t i = 0; i < a.size(); ++i) std::copy(a[i].values.begin(), a[i].values.end(), b[i].values.begin());
  tshape_test::random_floats rnd(8);
  for (auto& v : layer<0>(*net).bias()) v = rnd(-0.3f, 0.3f);
  std::copy(layer<0>(*net).bias().begin(), layer<0>(*net).bias().end(), layer<0>(*twin).bias().begin());
  Tensor<float, Shape<1, 50, 1>> x;
  rnd.fill(x);
  const auto every_prefix = (*twin)(x);
  auto stream = make_stream(*net);
  using S = decltype(stream);
  static_assert(S::always_ready);
  static_assert(std::is_same_v<S::frame_shape, Shape<1>> && std::is_same_v<S::output_shape, Shape<1>>);
  static_assert(sizeof(S) < 8192);  // the window of 5 frames of 1 channel, the states, buffers: all static
  for (int t = 0; t < 50; ++t) {
    const Tensor<float, Shape<1>> reading{x(0, t, 0)};
    const Tensor<float, Shape<1>> y = stream(reading);  // every frame answers: the Tensor itself
    INFO("frame " << t);
    CHECK(std::fabs(y(0) - every_prefix(0, t, 0)) <= 1e-5f + 1e-5f * std::fabs(every_prefix(0, t, 0)));
  }
  const auto y = (*net)(x);
  stream.reset_state();
  std::vector<float> last;
  for (int t = 0; t < 50; ++t) last = std::vector<float>(1, stream(Tensor<float, Shape<1>>{x(0, t, 0)})(0));
  tshape_test::require_close(last, y, 1e-5, 1e-6);
}

TEST_CASE("stream: 'valid' Conv1D answers once its window is full", "[model][stream][conv1d]") {
  constexpr int T = 12;
  // A window of (3 - 1) * 2 + 1 = 5 frames: the first output at frame 4.
  CHECK(check_stream<Sequential<Input<T, 3>, Conv1D<4, Kernel<3>, DilationRate<2>>>, 3>(11) == range(4, T - 1));
  CHECK(check_stream<Sequential<Input<T, 2>, Conv1D<3, Kernel<4>, ELU>, GRU<5, ReturnSequences>, Dense<2>>, 1>(12) ==
        range(3, T - 1));
  // A kernel of one frame answers at once; 'valid' after 'causal'.
  CHECK(check_stream<Sequential<Input<T, 3>, Conv1D<4, Kernel<1>, Tanh>>, 2>(13) == range(0, T - 1));
  CHECK(check_stream<Sequential<Input<T, 2>, Conv1D<4, Kernel<3>, Padding::causal>, Conv1D<3, Kernel<2>, DilationRate<3>>>,
                     2>(14) == range(3, T - 1));
  using S = Stream<Sequential<Input<T, 3>, Conv1D<4, Kernel<3>>>, 1>;
  static_assert(!S::always_ready);
  static_assert(Stream<Sequential<Input<T, 3>, Conv1D<4, Kernel<1>>>, 1>::always_ready);
}

TEST_CASE("stream: a copy of a stream goes on from the same point, windows included", "[model][stream][conv1d]") {
  constexpr int T = 11;
  using Net = Sequential<Input<T, 2>, Conv1D<3, Kernel<3>, DilationRate<2>, Padding::causal>, MaxPooling1D<Pool<2>>,
                         GRU<4, ReturnSequences>>;
  auto net = make_model<Net>(51);
  tshape_test::random_floats rnd(52);
  Tensor<float, Shape<1, T, 2>> x;
  rnd.fill(x);
  auto stream = make_stream(*net);
  std::vector<float> y(4), z(4);
  for (int t = 0; t < 6; ++t) stream.step(x.data() + t * 2, y.data());
  auto copy = stream;  // mid-window and between two pooled frames
  for (int t = 6; t < T; ++t) {
    const bool a = stream.step(x.data() + t * 2, y.data()), b = copy.step(x.data() + t * 2, z.data());
    CHECK(a == b);
    CHECK(a == (t % 2 == 1));
    if (a) tshape_test::require_close(y, z, 0, 0);
  }
}

TEST_CASE("stream: pooling over time answers every `strides` frames once `pool` frames are in",
          "[model][stream][pooling]") {
  constexpr int T = 13;
  CHECK(check_stream<Sequential<Input<T, 3>, MaxPooling1D<>>, 2>(21) == range(1, T - 1, 2));  // 6 outputs, 12 dropped
  CHECK(check_stream<Sequential<Input<T, 3>, MaxPooling1D<Pool<3>, Strides<2>>>, 1>(22) == range(2, T - 1, 2));
  CHECK(check_stream<Sequential<Input<T, 3>, AveragePooling1D<Pool<3>, Strides<1>>>, 3>(23) == range(2, T - 1));
  CHECK(check_stream<Sequential<Input<T, 4>, AveragePooling1D<Pool<2>, Strides<3>>>, 2>(24) == range(1, T - 1, 3));
  // A front end: causal convolution, pooling, then a recurrent layer on the pooled frames (which steps
  // only when the pool answers) and a Dense.
  using Front = Sequential<Input<T, 2>, Conv1D<6, Kernel<3>, Padding::causal, ReLU>, MaxPooling1D<Pool<2>>,
                           Conv1D<5, Kernel<2>, Tanh>, AveragePooling1D<Pool<2>, Strides<1>>, GRU<4, ReturnSequences>,
                           Dense<3, Softmax>>;
  // Pooled frames at 1, 3, 5, ...; the 'valid' kernel of 2 from the second (frame 3); the pool of 2
  // from the next (frame 5).
  CHECK(check_stream<Front, 2>(25) == range(5, T - 1, 2));
}

TEST_CASE("stream: after a recurrent layer without ReturnSequences, an output on the frames that give one",
          "[model][stream][pooling]") {
  constexpr int T = 10, B = 2;
  using Net = Sequential<Input<T, 3>, Conv1D<4, Kernel<2>>, MaxPooling1D<Pool<2>, Strides<2>>, LSTM<5>, Dense<2>>;
  using Twin = Sequential<Input<T, 3>, Conv1D<4, Kernel<2>>, MaxPooling1D<Pool<2>, Strides<2>>, LSTM<5, ReturnSequences>,
                          Dense<2>>;
  auto net = make_model<Net>(31);
  auto twin = make_model<Twin>();
  auto a = weights(*net), b = weights(*twin);
  for (std::size_t i = 0; i < a.size(); ++i) std::copy(a[i].values.begin(), a[i].values.end(), b[i].values.begin());
  tshape_test::random_floats rnd(32);
  Tensor<float, Shape<B, T, 3>> x;
  rnd.fill(x);
  const auto every_prefix = (*twin)(x);  // (B, 4, 2): the conv gives 9 frames, the pool 4
  auto stream = make_stream<B>(*net);
  using S = decltype(stream);
  static_assert(!S::always_ready);
  std::vector<float> got;
  std::vector<int> ready;
  for (int t = 0; t < T; ++t) {
    Tensor<float, Shape<B, 3>> frame;
    for (int n = 0; n < B; ++n) std::copy_n(x.data() + (n * T + t) * 3, 3, frame.data() + n * 3);
    const auto y = stream(frame);  // a stream_output: the (B, 2) outputs, and whether there are any
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(*y)>, Tensor<float, Shape<B, 2>>>);
    CHECK(static_cast<bool>(y) == y.ready());
    if (auto z = stream_output<Shape<B, 2>>(y)) {
      got.insert(got.end(), z->begin(), z->end());
      ready.push_back(t);
    }
  }
  CHECK(ready == range(2, T - 1, 2));
  tshape_test::require_close(got, time_major(every_prefix, B, 4, 2), 1e-5, 1e-6);
}

TEST_CASE("stream: a Reshape of the frame's own axes streams", "[model][stream][reshape]") {
  constexpr int T = 9;
  // Frames of (8, 2) become frames of (16), as Reshape<T, 16> and Reshape<-1, 16> say.
  using A = Sequential<Input<T, 8, 2>, Reshape<T, 16>, Conv1D<4, Kernel<2>, Padding::causal, Tanh>, GRU<3, ReturnSequences>>;
  CHECK(check_stream<A, 2>(41) == range(0, T - 1));
  using S = Stream<Sequential<Input<T, 8, 2>, Reshape<-1, 16>, Dense<3>>, 1>;
  static_assert(std::is_same_v<S::frame_shape, Shape<8, 2>> && std::is_same_v<S::output_shape, Shape<3>>);
  CHECK(check_stream<Sequential<Input<T, 8, 2>, Reshape<-1, 16>, Dense<3>>, 1>(42) == range(0, T - 1));
  // And back: (T, 12) to (T, 3, 4), a Dense on the last axis of each frame, Reshape to (T, 3 * 5).
  using C = Sequential<Input<T, 12>, Reshape<T, 3, 4>, Dense<5, ReLU>, Reshape<T, 15>, MaxPooling1D<Pool<3>, Strides<3>>>;
  CHECK(check_stream<C, 3>(43) == range(2, T - 1, 3));
}

namespace {
template <class Net>
using stream_diagnosis = typename detail::stream_plan<Net>::diagnosis;
template <class Net, class Layer, class Reason, int At = 0>
constexpr bool refused = std::is_same_v<stream_diagnosis<Net>, error::NOT_STREAMABLE<error::at_layer<At>, Layer, Reason>>;
}  // namespace

// What cannot stream, with its reason.
using SameConv = Conv1D<4, Kernel<3>, Padding::same>;
static_assert(refused<Sequential<Input<10, 2>, SameConv, GRU<3>>, SameConv, error::reads_timesteps_to_come>);
using StridedConv = Conv1D<4, Kernel<3>, Strides<2>>;
static_assert(refused<Sequential<Input<10, 2>, StridedConv>, StridedConv, error::strides_over_time>);
using StridedCausal = Conv1D<4, Kernel<3>, Strides<2>, Padding::causal>;
static_assert(refused<Sequential<Input<10, 2>, StridedCausal>, StridedCausal, error::strides_over_time>);
using SamePool = MaxPooling1D<Padding::same>;
static_assert(refused<Sequential<Input<10, 2>, Dense<3>, SamePool>, SamePool, error::reads_timesteps_to_come, 1>);
static_assert(refused<Sequential<Input<10, 2>, GlobalAveragePooling1D, Dense<1>>, GlobalAveragePooling1D,
                      error::reads_whole_sequence>);
static_assert(refused<Sequential<Input<10, 2>, GlobalMaxPooling1D>, GlobalMaxPooling1D, error::reads_whole_sequence>);
static_assert(refused<Sequential<Input<10, 2>, Flatten, Dense<1>>, Flatten, error::mixes_timesteps>);
static_assert(refused<Sequential<Input<10, 2>, Reshape<5, 4>>, Reshape<5, 4>, error::mixes_timesteps>);
static_assert(refused<Sequential<Input<10, 2>, Reshape<20>>, Reshape<20>, error::mixes_timesteps>);
static_assert(refused<Sequential<Input<10, 8, 2>, Reshape<10, 2, 8>, Reshape<16, 10>>, Reshape<16, 10>,
                      error::mixes_timesteps, 1>);
static_assert(refused<Sequential<Input<10, 2>, GRU<3, GoBackwards>>, GRU<3, GoBackwards>, error::reads_whole_sequence>);
// After the time axis is gone, any layer runs its ordinary forward: Flatten, Conv1D 'same', pooling.
static_assert(std::is_void_v<stream_diagnosis<Sequential<Input<10, 2>, Conv1D<3, Kernel<2>, Padding::causal>, GRU<8>,
                                                         Reshape<4, 2>, Conv1D<2, Kernel<3>, Padding::same>, Flatten>>>);
