// Allocation counts of a forward pass (the rules in model/sequential.hpp's header comment): every
// global operator new of this executable is replaced by a counting one, which is why these tests are
// not part of the shared unit-test binary.
#define TSHAPE_STACK_ARENA_BYTES 4096  // small, so that a static batch can exceed it here
#include <catch2/catch.hpp>
#include <tshape/tshape.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

namespace {
std::atomic<long> allocations{0};
std::atomic<long> frees{0};

void* counted(std::size_t size, std::size_t align) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = nullptr;
  if (align <= alignof(std::max_align_t))
    p = std::malloc(size);
  else
    p = std::aligned_alloc(align, (size + align - 1) / align * align);
  if (p == nullptr) std::abort();  // this test has exceptions, but keeps operator new simple
  return p;
}
void release(void* p) {
  if (p == nullptr) return;
  frees.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

void* operator new(std::size_t n) { return counted(n, 0); }
void* operator new[](std::size_t n) { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }

using namespace tshape;

namespace {
/// Allocations made by f().
template <class F>
long allocations_of(F&& f) {
  const long before = allocations.load();
  f();
  return allocations.load() - before;
}

// 16 -> 32 -> 32 -> 4 (the embedded example's shape): arena_bytes(1) = 256, so batches up to 16 fit
// the 4096-byte stack limit above and batch 32 does not.
using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<32, ReLU>, Dense<4>>;
static_assert(Net::arena_bytes(16) <= TSHAPE_STACK_ARENA_BYTES && Net::arena_bytes(32) > TSHAPE_STACK_ARENA_BYTES);

Net& model() {
  static Net net = [] {
    Net n;
    initialize(n, 7);
    return n;
  }();
  return net;
}

template <class T>
void fill(T& t, float scale) {
  for (std::ptrdiff_t i = 0; i < t.size(); ++i) t[i] = scale * static_cast<float>(i % 13) - 0.3f;
}
}  // namespace

TEST_CASE("allocations: a fully static model's forward allocates nothing", "[allocations]") {
  const Net& net = model();
  Tensor<float, Shape<8, 16>> x;
  fill(x, 0.1f);
  Tensor<float, Shape<8, 4>> y;
  Tensor<float, Shape<8, 4>> expected = net(x);
  static Net::arena<8> typed;
  alignas(64) static std::byte bytes[Net::arena_bytes(8)];

  CHECK(allocations_of([&] { net.forward(x.view(), y.view()); }) == 0);
  CHECK(allocations_of([&] { y = net(x); }) == 0);
  CHECK(allocations_of([&] { net.forward(x.view(), y.view(), typed); }) == 0);
  CHECK(allocations_of([&] { net.forward(x.view(), y.view(), std::span<std::byte>(bytes)); }) == 0);
  bool ok = false;
  CHECK(allocations_of([&] { ok = net.try_forward(x.view(), y.view(), std::span<std::byte>(bytes)).ok(); }) == 0);
  CHECK(ok);
  // A run-time error that comes back as a value allocates nothing either.
  CHECK(allocations_of([&] { ok = net.try_forward(x.view(), y.view(), std::span<std::byte>(bytes).first(8)).ok(); }) == 0);
  CHECK(!ok);
  for (std::ptrdiff_t i = 0; i < y.size(); ++i) CHECK(y[i] == expected[i]);
}

TEST_CASE("allocations: a dyn batch on the caller's arena allocates nothing", "[allocations]") {
  const Net& net = model();
  Tensor<float, Shape<dyn, 16>> x(40);
  Tensor<float, Shape<dyn, 4>> y(40);
  fill(x, 0.05f);
  std::vector<std::byte> bytes(Net::arena_bytes(40) + 64);
  auto* start = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(bytes.data()) + 63) / 64 * 64);
  static Net::arena<64> typed;
  CHECK(allocations_of([&] { net.forward(x.view(), y.view(), std::span<std::byte>(start, Net::arena_bytes(40))); }) == 0);
  CHECK(allocations_of([&] { net.forward(x.view(), y.view(), typed); }) == 0);
}

TEST_CASE("allocations: net(x) with a dyn batch allocates exactly once per call", "[allocations]") {
  const Net& net = model();
  for (int batch : {1, 3, 40, 40, 200, 7, 0, 500}) {
    Tensor<float, Shape<dyn, 16>> x(batch);
    fill(x, 0.01f);
    long n = -1;
    const long freed_before = frees.load();
    {
      Tensor<float, Shape<dyn, 4>> y(0);
      n = allocations_of([&] { y = net(x); });
      CHECK(y.extent(0) == batch);
      // The same numbers as the pass on the caller's memory.
      Tensor<float, Shape<dyn, 4>> expected(batch);
      std::vector<std::byte> bytes(Net::arena_bytes(batch) + 64);
      auto* start = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(bytes.data()) + 63) / 64 * 64);
      net.forward(x.view(), expected.view(), std::span<std::byte>(start, Net::arena_bytes(batch)));
      for (std::ptrdiff_t i = 0; i < y.size(); ++i) CHECK(y[i] == expected[i]);
    }
    INFO("batch " << batch);
    CHECK(n == 1);
    CHECK(frees.load() - freed_before >= 1);  // the result's block went with the result
  }
}

TEST_CASE("allocations: forward(x, y) allocates only when this thread's arena grows", "[allocations]") {
  const Net& net = model();
  // A fresh thread, so that the arena starts empty whatever ran before.
  std::thread([&] {
    auto run = [&](int batch) {
      Tensor<float, Shape<dyn, 16>> x(batch);
      Tensor<float, Shape<dyn, 4>> y(batch);
      fill(x, 0.02f);
      return allocations_of([&] { net.forward(x.view(), y.view()); });
    };
    CHECK(run(10) == 1);   // the arena's first block
    CHECK(run(10) == 0);
    CHECK(run(4) == 0);
    CHECK(run(100) == 1);  // grows
    CHECK(run(100) == 0);
    CHECK(run(50) == 0);
    // A static batch beyond TSHAPE_STACK_ARENA_BYTES uses the same arena.
    Tensor<float, Shape<32, 16>> x;
    Tensor<float, Shape<32, 4>> y;
    CHECK(allocations_of([&] { net.forward(x.view(), y.view()); }) == 0);
    CHECK(allocations_of([&] { y = net(x); }) == 0);
  }).join();
  std::thread([&] {
    Tensor<float, Shape<32, 16>> x;
    Tensor<float, Shape<32, 4>> y;
    CHECK(allocations_of([&] { net.forward(x.view(), y.view()); }) == 1);
    CHECK(allocations_of([&] { net.forward(x.view(), y.view()); }) == 0);
  }).join();
}
