// Net::activation_bytes and Net::arena_bytes(batch) are what a forward pass really touches.
//
// What arena_bytes(batch) is (model/chain.hpp): the largest, over the layers, of
//   input + scratch + output,
// where input and output count only when they are intermediate activations (the model's own input
// and output are the caller's), and each of the three is rounded up to whole 64-byte lines.
// documented_arena_bytes below says it again from the layer types, and every model here is checked
// against it.
//
// That this is the memory a pass needs, no more and no less, is checked with sentinels:
//   - a pass on an arena of exactly arena_bytes(batch), filled with a sentinel and followed by a guard,
//     leaves the guard as it was (it stays inside), and gives the numbers of the same layers run one
//     by one on buffers of their own (so no activation or scratch overlapped another);
//   - it writes into the arena's last 64-byte line (where the activations kept at the back end, or in
//     a model of two layers the largest scratch);
//   - fewer than `slack_bytes` (10 lines of 64 bytes) of the arena are never written. Every buffer in
//     the arena (an activation, a layer's scratch, each piece of that scratch) is rounded up to whole
//     lines and so leaves less than one line unused. The layer at the peak has at most 9 such buffers:
//     its two activations and up to 7 pieces of scratch (Bidirectional over an LSTM: two halves, the
//     state, the projected inputs, two hidden states, the cell's work). More unwritten memory than
//     that means an arena or a scratch larger than the pass uses;
//   - each layer run alone on a sentinel scratch of exactly scratch_floats(batch) floats stays inside
//     it and leaves fewer than `slack_bytes` of it unwritten, for the same reason.
#include <tshape/tshape.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "../support.hpp"

using namespace tshape;

namespace {
constexpr std::uint32_t sentinel = 0xA5A5A5A5u;
constexpr std::size_t line = 64;
constexpr std::size_t slack_bytes = 10 * line;

/// `bytes` bytes of sentinel, 64-byte aligned, followed by a guard of sentinel as large (at least 256
/// bytes), so that a pass that writes beyond its memory is seen and does not corrupt the heap instead.
class sentinel_buffer {
 public:
  explicit sentinel_buffer(std::size_t bytes)
      : bytes_(bytes), guard_(std::max<std::size_t>(bytes, 256)), words_((bytes + guard_ + line) / 4, sentinel) {
    auto* base = reinterpret_cast<std::byte*>(words_.data());
    start_ = base + (line - reinterpret_cast<std::uintptr_t>(base) % line) % line;
  }
  std::byte* data() { return start_; }
  float* floats() { return reinterpret_cast<float*>(start_); }

  struct use {
    std::size_t end;        // one past the last byte written: beyond the buffer's size when the guard was hit
    std::size_t unwritten;  // bytes of the buffer (guard excluded) never written
  };
  use inspect() const {
    use u{0, 0};
    for (std::size_t i = 0; i < bytes_ + guard_; i += 4) {
      std::uint32_t w;
      std::memcpy(&w, start_ + i, 4);
      if (w != sentinel)
        u.end = i + 4;
      else if (i < bytes_)
        u.unwritten += 4;
    }
    return u;
  }

 private:
  std::size_t bytes_;
  std::size_t guard_;
  std::vector<std::uint32_t> words_;
  std::byte* start_;
};

template <class Net>
constexpr std::size_t layer_count = []<class... L>(detail::type_list<L...>) { return sizeof...(L); }(typename Net::layers{});

constexpr std::size_t lines(std::size_t floats) { return (floats + 15) / 16 * 16; }

/// arena_bytes(batch) as the documentation words it.
template <class Net>
constexpr std::size_t documented_arena_bytes(int batch) {
  constexpr std::size_t n = layer_count<Net>;
  std::size_t most = 0;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    auto at = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) -> std::size_t {
      if constexpr (K == 0 || K == n)
        return 0;
      else
        return lines(static_cast<std::size_t>(Net::template shape_at<K>::static_size) * static_cast<std::size_t>(batch));
    };
    ((most = std::max(most, at(std::integral_constant<std::size_t, I>{}) +
                                lines(Net::template layer_type<I>::scratch_floats(batch)) +
                                at(std::integral_constant<std::size_t, I + 1>{}))),
     ...);
  }(std::make_index_sequence<n>{});
  return most * sizeof(float);
}

/// The model's layers run one by one, each on buffers of its own and a sentinel scratch of exactly
/// the size it declares, which is checked as the header says.
template <class Net, class X>
std::vector<float> layer_by_layer(const Net& net, const X& x, int batch) {
  std::vector<float> in(x.data(), x.data() + x.size());
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    auto run = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
      using L = typename Net::template layer_type<K>;
      const std::size_t scratch = L::scratch_floats(batch) * sizeof(float);
      INFO("layer " << K << " (scratch " << scratch << " bytes)");
      sentinel_buffer s(scratch);
      std::vector<float> out(static_cast<std::size_t>(L::output_shape::static_size) * static_cast<std::size_t>(batch));
      net.template layer<K>().forward(in.data(), out.data(), batch, s.floats());
      const auto u = s.inspect();
      CHECK(u.end <= scratch);
      CHECK(u.unwritten < slack_bytes);
      in = std::move(out);
    };
    (run(std::integral_constant<std::size_t, I>{}), ...);
  }(std::make_index_sequence<layer_count<Net>>{});
  return in;
}

template <class Net>
void check_arena(const Net& net, int batch, bool exact) {
  const std::size_t arena = Net::arena_bytes(batch);
  INFO("batch " << batch << ", arena_bytes " << arena);
  CHECK(arena == documented_arena_bytes<Net>(batch));

  using In = prepend_t<dyn, typename Net::input_shape>;
  using Out = prepend_t<dyn, typename Net::output_shape>;
  Tensor<float, In> x(batch);
  Tensor<float, Out> y(batch);
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(batch) + 3);
  rnd.fill(x);
  sentinel_buffer buffer(arena);
  REQUIRE(net.try_forward(x.view(), y.view(), std::span<std::byte>(buffer.data(), arena)).ok());
  tshape_test::require_close(y, net(x), 0, 0);
  tshape_test::require_close(y, layer_by_layer(net, x, batch), 1e-6, 1e-6);

  const auto u = buffer.inspect();
  CHECK(u.end <= arena);
  CHECK(u.end + line > arena);
  CHECK(u.unwritten < slack_bytes);
  if (exact) CHECK(u.end == arena);
}

template <class Net>
Net& initialized(std::uint64_t seed) {
  static Net net;
  initialize(net, seed);
  return net;
}
}  // namespace

// The embedded example's shape: activations of 32 floats, two of them live at once.
using Sensor = Sequential<Input<16>, Dense<32, ReLU>, Dense<32, ReLU>, Dense<4>>;
static_assert(Sensor::param_bytes == (16 * 32 + 32 + 32 * 32 + 32 + 32 * 4 + 4) * 4);
static_assert(Sensor::activation_bytes == 2 * 32 * 4);
static_assert(Sensor::arena_bytes(3) == 2 * 96 * 4);

// Odd widths (rounded up to 16 floats) and an activation layer.
using Odd = Sequential<Input<5>, Dense<7>, Dense<9, Tanh>, Dense<3>, Softmax>;
static_assert(Odd::activation_bytes == 2 * 16 * 4);

// A nested block: its arena is the outer layer's scratch, between the outer activations.
using Nested = Sequential<Input<8>, Dense<16>, Sequential<Dense<32, ReLU>, Dense<16>>, Dense<4>>;
static_assert(Nested::activation_bytes == (16 + 32 + 16) * 4);

// A single layer has no intermediate activation: no arena at all.
using Single = Sequential<Input<8>, Dense<4>>;
static_assert(Single::activation_bytes == 0 && Single::arena_bytes(100) == 0);

// Layers with scratch of their own. Conv2D: a padded first layer (its scratch: the repacked kernel and
// a zero-bordered sample), a valid channel-rich one and a pointwise one; BatchNormalization (its
// fused scale and shift); both 2D pools and Flatten.
using Cnn = Sequential<Input<12, 12, 3>, Conv2D<8, Kernel<3, 3>, Padding::same, ReLU>, BatchNormalization,
                       MaxPooling2D<Pool<2, 2>>, Conv2D<16, Kernel<3, 3>, ReLU>, Conv2D<8, Kernel<1, 1>, ReLU>,
                       AveragePooling2D<Pool<2, 2>>, Flatten, Dense<4>>;
static_assert(Cnn::activation_bytes == documented_arena_bytes<Cnn>(1));
// Recurrent layers: the state, the projected inputs and (without ReturnSequences) the hidden states
// between steps; Bidirectional adds its two halves.
using Rnn = Sequential<Input<10, 6>, GRU<12, ReturnSequences>, Bidirectional<LSTM<6, ReturnSequences>>, LSTM<8>,
                       Dense<3>>;
// Two layers: one intermediate activation, so the arena ends in a layer's scratch.
using Rnn2 = Sequential<Input<7, 5>, LSTM<9, ReturnSequences>, Bidirectional<GRU<5>>>;
// Conv1D, Reshape, 1D pools, a nested block and a nested model with its own Input.
using Seq1d = Sequential<Input<24>, Reshape<12, 2>, Conv1D<6, Kernel<3>, Padding::same, ReLU>, MaxPooling1D<>,
                         Sequential<Conv1D<8, Kernel<3>, ReLU>, GlobalAveragePooling1D>,
                         Sequential<Input<8>, Dense<16, ReLU>, Dense<8>>, Dense<4>>;
static_assert(Seq1d::activation_bytes == documented_arena_bytes<Seq1d>(1));

TEST_CASE("memory: activation_bytes is what one sample's forward pass touches", "[model][memory]") {
  check_arena(initialized<Sensor>(1), 1, true);
  check_arena(initialized<Odd>(2), 1, false);
  check_arena(initialized<Nested>(3), 1, true);
  check_arena(initialized<Single>(4), 1, true);
}

TEST_CASE("memory: arena_bytes(batch) is what a batch's forward pass touches", "[model][memory]") {
  for (int batch : {2, 3, 5, 16}) {
    check_arena(initialized<Sensor>(1), batch, true);
    check_arena(initialized<Odd>(2), batch, false);
    check_arena(initialized<Nested>(3), batch, true);
  }
}

TEST_CASE("memory: convolutions, pooling and BatchNormalization stay inside the arena and use it",
          "[model][memory]") {
  auto& net = initialized<Cnn>(5);
  // Moving statistics of their own, so that BatchNormalization does more than pass its input on.
  tshape_test::random_floats rnd(9);
  rnd.fill(layer<1>(net).moving_mean());
  rnd.fill(layer<1>(net).moving_variance(), 0.5f, 2.0f);
  rnd.fill(layer<1>(net).gamma(), 0.5f, 1.5f);
  for (int batch : {1, 2, 3, 16}) check_arena(net, batch, false);
}

TEST_CASE("memory: recurrent layers and Bidirectional stay inside the arena and use it", "[model][memory]") {
  for (int batch : {1, 2, 3, 16}) {
    check_arena(initialized<Rnn>(6), batch, false);
    check_arena(initialized<Rnn2>(7), batch, false);
  }
}

TEST_CASE("memory: Conv1D, Reshape and nested models stay inside the arena and use it", "[model][memory]") {
  for (int batch : {1, 3, 16}) check_arena(initialized<Seq1d>(8), batch, false);
}
