// Streams give, frame by frame, the numbers of the whole-sequence forward, and PyTorch's.
#include <tshape/tshape.hpp>

#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape;

namespace {

// Copies every weight of `from` into `to` (models with the same weights in the same order).
template <class A, class B>
void copy_weights(A& from, B& to) {
  auto a = weights(from);
  auto b = weights(to);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].values.size() == b[i].values.size());
    std::copy(a[i].values.begin(), a[i].values.end(), b[i].values.begin());
  }
}

// Streams the T frames of x (Batch, T, F...) through `stream`; the outputs, frame after frame.
template <class S, class X>
std::vector<float> stream_all(S& stream, const X& x, int batch, int steps) {
  constexpr std::size_t frame = S::frame_shape::static_size, out = S::output_shape::static_size;
  std::vector<float> in(frame * static_cast<std::size_t>(batch)), y(out * static_cast<std::size_t>(batch));
  std::vector<float> all;
  for (int t = 0; t < steps; ++t) {
    for (int n = 0; n < batch; ++n)
      std::copy_n(x.data() + (static_cast<std::size_t>(n) * steps + t) * frame, frame, in.data() + n * frame);
    stream.step(in.data(), y.data());
    all.insert(all.end(), y.begin(), y.end());
  }
  return all;
}

// The whole-sequence outputs (Batch, T, out) reordered as the stream gives them: (T, Batch, out).
template <class Y>
std::vector<float> time_major(const Y& y, int batch, int steps, int out) {
  std::vector<float> r;
  for (int t = 0; t < steps; ++t)
    for (int n = 0; n < batch; ++n)
      for (int j = 0; j < out; ++j) r.push_back(y[(static_cast<std::ptrdiff_t>(n) * steps + t) * out + j]);
  return r;
}

// Streams the reference input `name`.x (B, T, F) frame by frame through Sequential<Input<T, F>, L>
// holding the reference weights; the output for frame t must be the reference sequence's output t
// (`name`.y_seq, PyTorch in float64), whether L returns sequences or only its state.
template <class L, int T, int F, int B>
void check_stream_reference(const std::string& name) {
  INFO(name);
  const tshape_test::reference ref("recurrent.txt");
  using Net = Sequential<Input<T, F>, L>;
  auto net = make_model<Net>();
  auto& l = layer<0>(net);
  ref.copy_to(name + ".kernel", l.kernel());
  ref.copy_to(name + ".recurrent_kernel", l.recurrent_kernel());
  ref.copy_to(name + ".bias", l.bias());
  Tensor<float, Shape<B, T, F>> x;
  ref.copy_to(name + ".x", x);
  auto stream = make_stream<B>(net);
  static_assert(std::is_same_v<typename decltype(stream)::output_shape, Shape<L::units>>);
  const auto& y = ref[name + ".y_seq"];
  REQUIRE(y.dims == std::vector<int>{B, T, L::units});
  tshape_test::require_close(stream_all(stream, x, B, T), time_major(y.values, B, T, L::units), 1e-5, 2e-6);
}

}  // namespace

TEST_CASE("stream: frame by frame, the numbers of PyTorch's GRU, LSTM and RNN", "[model][stream][reference]") {
  check_stream_reference<GRU<7, ReturnSequences>, 6, 5, 3>("gru");
  check_stream_reference<GRU<17>, 9, 3, 1>("gru_b1");  // one stream, units beyond one vector
  check_stream_reference<GRU<7, ResetAfter<false>>, 6, 5, 3>("gru_reset_before");
  check_stream_reference<LSTM<7>, 6, 5, 3>("lstm");
  check_stream_reference<LSTM<17, ReturnSequences>, 9, 3, 1>("lstm_b1");
  check_stream_reference<SimpleRNN<9, ReturnSequences>, 5, 4, 2>("rnn");
}

TEST_CASE("stream: GRU, LSTM and SimpleRNN frame by frame equal the whole sequence", "[model][stream]") {
  constexpr int T = 12;
  using Net = Sequential<Input<T, 5>, Dense<6, ReLU>, LSTM<7, ReturnSequences>, GRU<9, ReturnSequences>,
                         SimpleRNN<4, ReturnSequences>, GRU<3, ReturnSequences, ResetAfter<false>>, Dense<2, Softmax>>;
  auto net = make_model<Net>(1);
  tshape_test::random_floats rnd(3);
  Tensor<float, Shape<1, T, 5>> x;
  rnd.fill(x, -2, 2);
  const auto whole = net(x);

  auto stream = make_stream(net);
  static_assert(std::is_same_v<decltype(stream)::frame_shape, Shape<5>>);
  static_assert(std::is_same_v<decltype(stream)::output_shape, Shape<2>>);
  static_assert(decltype(stream)::state_size == 2 * 7 + 9 + 4 + 3);
  for (int t = 0; t < T; ++t) {
    Tensor<float, Shape<5>> frame;
    std::copy_n(x.data() + t * 5, 5, frame.data());
    const Tensor<float, Shape<2>> y = stream(frame);
    INFO("frame " << t);
    tshape_test::require_close(y, std::vector<float>(whole.data() + t * 2, whole.data() + t * 2 + 2), 1e-5, 1e-6);
  }
  // reset_state: a new sequence gives the same numbers again.
  stream.reset_state();
  tshape_test::require_close(stream_all(stream, x, 1, T), time_major(whole, 1, T, 2), 1e-5, 1e-6);
}

TEST_CASE("stream: after a recurrent layer without ReturnSequences, the model's output at each prefix",
          "[model][stream]") {
  constexpr int T = 9, B = 3;
  // The streamed model's last recurrent layer drops the time axis; its twin with ReturnSequences
  // gives every prefix's output in one forward pass.
  using Net = Sequential<Input<T, 4>, GRU<8, ReturnSequences>, LSTM<6>, Dense<5, Tanh>, Dense<2>>;
  using Twin = Sequential<Input<T, 4>, GRU<8, ReturnSequences>, LSTM<6, ReturnSequences>, Dense<5, Tanh>, Dense<2>>;
  auto net = make_model<Net>(4);
  auto twin = make_model<Twin>();
  copy_weights(net, twin);
  tshape_test::random_floats rnd(8);
  Tensor<float, Shape<B, T, 4>> x;
  rnd.fill(x, -2, 2);
  const auto every_prefix = twin(x);
  auto stream = make_stream<B>(net);
  static_assert(std::is_same_v<decltype(stream)::output_shape, Shape<2>>);
  const auto streamed = stream_all(stream, x, B, T);
  tshape_test::require_close(streamed, time_major(every_prefix, B, T, 2), 1e-5, 1e-6);
  // The last frame's output is the model's.
  const auto y = net(x);
  tshape_test::require_close(std::vector<float>(streamed.end() - B * 2, streamed.end()), y, 1e-5, 1e-6);
}

TEST_CASE("stream: Batch streams side by side, tensors with a batch axis", "[model][stream]") {
  constexpr int T = 7, B = 2;
  using Net = Sequential<Input<T, 3>, LSTM<5, ReturnSequences, UseBias<false>>, Dense<1>>;
  auto net = make_model<Net>(2);
  tshape_test::random_floats rnd(6);
  Tensor<float, Shape<B, T, 3>> x;
  rnd.fill(x);
  const auto whole = net(x);
  auto stream = make_stream<B>(net);
  std::vector<float> got;
  for (int t = 0; t < T; ++t) {
    Tensor<float, Shape<B, 3>> frame;
    for (int n = 0; n < B; ++n) std::copy_n(x.data() + (n * T + t) * 3, 3, frame.data() + n * 3);
    const Tensor<float, Shape<B, 1>> y = stream(frame);
    got.insert(got.end(), y.begin(), y.end());
  }
  tshape_test::require_close(got, time_major(whole, B, T, 1), 1e-5, 1e-6);
  // The state can be read and set: two streams from the same state give the same next output.
  auto other = make_stream<B>(net);
  std::copy(stream.state().begin(), stream.state().end(), other.state().begin());
  Tensor<float, Shape<B, 3>> frame;
  rnd.fill(frame);
  tshape_test::require_close(stream(frame), other(frame), 0, 0);
}

TEST_CASE("stream: the kept state is the model's and the stream allocates nothing per call", "[model][stream]") {
  using Net = Sequential<Input<100, 8>, GRU<32>>;
  Net net;  // static storage works as well: no make_model needed
  initialize(net, 5);
  auto stream = make_stream(net);
  static_assert(sizeof(stream) < 4096);
  Tensor<float, Shape<8>> frame;
  frame.fill(0.5f);
  const auto a = stream(frame);
  const auto b = stream(frame);  // the state moved on
  CHECK(a(0) != b(0));
  stream.reset_state();
  const auto c = stream(frame);
  CHECK(a(0) == c(0));
}
