// Net::activation_bytes and Net::arena_bytes(batch) are what a forward pass really touches: a pass on
// an arena filled with a sentinel writes up to its last cache line and never beyond (a guard region
// after it stays as it was). Exact to the byte where every intermediate activation fills whole cache
// lines; otherwise activations are rounded up to 64 bytes, so the last line may be partly unused.
#include <tshape/tshape.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "../support.hpp"

using namespace tshape;

namespace {
constexpr std::uint32_t sentinel = 0xA5A5A5A5u;
constexpr std::size_t guard_bytes = 256;

struct touched {
  std::size_t bytes;  // one past the last float the pass wrote
  bool guard_intact;
};

// Runs net on `batch` samples over an arena of exactly arena_bytes(batch) bytes followed by a guard.
template <class Net>
touched run_on_sentinel(const Net& net, int batch) {
  using In = prepend_t<dyn, typename Net::input_shape>;
  using Out = prepend_t<dyn, typename Net::output_shape>;
  Tensor<float, In> x(batch);
  Tensor<float, Out> y(batch);
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(batch) + 3);
  rnd.fill(x);
  const std::size_t arena = Net::arena_bytes(batch);
  std::vector<std::uint32_t> words((arena + guard_bytes) / 4 + 16, sentinel);
  auto* base = reinterpret_cast<std::byte*>(words.data());
  const std::size_t skip = (64 - reinterpret_cast<std::uintptr_t>(base) % 64) % 64;
  auto* start = base + skip;
  REQUIRE(net.try_forward(x.view(), y.view(), std::span<std::byte>(start, arena)).ok());
  tshape_test::require_close(y, net(x), 0, 0);

  touched t{0, true};
  for (std::size_t i = 0; i < arena + guard_bytes; i += 4) {
    std::uint32_t w;
    std::memcpy(&w, start + i, 4);
    if (w != sentinel) {
      if (i >= arena) t.guard_intact = false;
      t.bytes = i + 4;
    }
  }
  return t;
}

template <class Net>
void check_arena(const Net& net, int batch, bool exact) {
  INFO("batch " << batch << ", arena_bytes " << Net::arena_bytes(batch));
  const touched t = run_on_sentinel(net, batch);
  CHECK(t.guard_intact);
  CHECK(t.bytes <= Net::arena_bytes(batch));
  CHECK(t.bytes + 64 > Net::arena_bytes(batch));
  if (exact) CHECK(t.bytes == Net::arena_bytes(batch));
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
