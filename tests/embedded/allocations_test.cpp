// Allocation counts of a forward pass (the rules in model/sequential.hpp's header comment): every
// global operator new of this executable is replaced by a counting one, which is why these tests are
// not part of the shared unit-test binary. On glibc, malloc, calloc, realloc and the aligned forms are
// replaced too (a definition in the executable takes the place of libc's for every caller, libc,
// libstdc++ and OpenBLAS included), so that an allocation made anywhere during a call is counted.
// Sanitizers bring their own malloc, which must stay theirs: under them operator new alone is counted.
#define TSHAPE_STACK_ARENA_BYTES 4096  // small, so that a static batch can exceed it here
#include <catch2/catch.hpp>
#include <tshape/tshape.hpp>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <thread>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define TSHAPE_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TSHAPE_TEST_SANITIZED 1
#endif
#if defined(__GLIBC__) && !defined(TSHAPE_TEST_SANITIZED)
#define TSHAPE_TEST_COUNTS_MALLOC 1
#endif

namespace {
std::atomic<long> allocations{0};
std::atomic<long> frees{0};
}  // namespace

#ifdef TSHAPE_TEST_COUNTS_MALLOC
// glibc's own allocator under its exported names: what the replacements below hand on to.
extern "C" {
void* __libc_malloc(std::size_t) noexcept;
void* __libc_calloc(std::size_t, std::size_t) noexcept;
void* __libc_realloc(void*, std::size_t) noexcept;
void* __libc_memalign(std::size_t, std::size_t) noexcept;
void __libc_free(void*) noexcept;

void* malloc(std::size_t n) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) noexcept {  // may move the block: counted as an allocation
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t align, std::size_t n) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(align, n);
}
void* memalign(std::size_t align, std::size_t n) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(align, n);
}
int posix_memalign(void** p, std::size_t align, std::size_t n) noexcept {
  if (align % sizeof(void*) != 0 || (align & (align - 1)) != 0) return EINVAL;
  allocations.fetch_add(1, std::memory_order_relaxed);
  void* q = __libc_memalign(align, n);
  if (q == nullptr) return ENOMEM;
  *p = q;
  return 0;
}
void free(void* p) noexcept {
  if (p != nullptr) frees.fetch_add(1, std::memory_order_relaxed);
  __libc_free(p);
}
}
#endif

namespace {
// operator new counts once and takes its memory past the counting malloc, so that it is not
// counted twice.
void* counted(std::size_t size, std::size_t align) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = nullptr;
#ifdef TSHAPE_TEST_COUNTS_MALLOC
  p = align <= alignof(std::max_align_t) ? __libc_malloc(size) : __libc_memalign(align, size);
#else
  if (align <= alignof(std::max_align_t))
    p = std::malloc(size);
  else
    p = std::aligned_alloc(align, (size + align - 1) / align * align);
#endif
  if (p == nullptr) std::abort();  // this test has exceptions, but keeps operator new simple
  return p;
}
void release(void* p) {
  if (p == nullptr) return;
  frees.fetch_add(1, std::memory_order_relaxed);
#ifdef TSHAPE_TEST_COUNTS_MALLOC
  __libc_free(p);
#else
  std::free(p);
#endif
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

// The first time a thread uses its arena, the C++ runtime records the arena's release for when the
// thread ends (a thread_local with a destructor); glibc takes a small block for that record
// (__cxa_thread_atexit_impl calls calloc). Seen only where malloc is counted.
#ifdef TSHAPE_TEST_COUNTS_MALLOC
constexpr long thread_exit_record = 1;
#else
constexpr long thread_exit_record = 0;
#endif

// 16 -> 32 -> 32 -> 4 (the embedded example's shape): arena_bytes(1) = 256, so batches up to 16 fit
// the 4096-byte stack limit above and batch 32 does not.
using Net = Sequential<Input<16>, Dense<32, ReLU>, Dense<32, ReLU>, Dense<4>>;
static_assert(Net::arena_bytes(16) <= TSHAPE_STACK_ARENA_BYTES && Net::arena_bytes(32) > TSHAPE_STACK_ARENA_BYTES);

Net& model() {
  static Net net = [] {
    Net n;
    initialize(n, 7);
#ifndef TSHAPE_NO_THREADS
    tshape::threads();  // the shared pool starts its threads once per program, before the counting
#endif
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
    CHECK(run(10) == 1 + thread_exit_record);  // the arena's first block
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
    CHECK(allocations_of([&] { net.forward(x.view(), y.view()); }) == 1 + thread_exit_record);
    CHECK(allocations_of([&] { net.forward(x.view(), y.view()); }) == 0);
  }).join();
}

TEST_CASE("allocations: the counters see what they count", "[allocations]") {
  // Through volatile pointers, so that the compiler cannot pair and drop the calls.
  void* (*volatile new_)(std::size_t) = &::operator new;
  void (*volatile delete_)(void*) noexcept = &::operator delete;
  CHECK(allocations_of([&] { delete_(new_(24)); }) == 1);
#ifdef TSHAPE_TEST_COUNTS_MALLOC
  void* (*volatile malloc_)(std::size_t) = &std::malloc;
  void* (*volatile calloc_)(std::size_t, std::size_t) = &std::calloc;
  void* (*volatile realloc_)(void*, std::size_t) = &std::realloc;
  void (*volatile free_)(void*) = &std::free;
  CHECK(allocations_of([&] { free_(malloc_(24)); }) == 1);
  CHECK(allocations_of([&] { free_(calloc_(3, 8)); }) == 1);
  CHECK(allocations_of([&] { free_(realloc_(malloc_(8), 4096)); }) == 2);
  // What libstdc++ allocates (here a thread's shared state) is seen too.
  CHECK(allocations_of([] { std::thread([] {}).join(); }) >= 1);
#endif
}

// Every kind of layer the library runs, in models small enough that a static batch's arena fits the
// 4096-byte stack limit above: Conv2D (padded and not), BatchNormalization, pooling, Flatten; GRU and
// LSTM with and without ReturnSequences, Bidirectional; Reshape, Conv1D, a nested block and a nested
// model with an Input. Wide's first product is large enough that OpenBLAS runs it, where it is linked
// (sgemv for one row, sgemm for more), so that BLAS' own allocations would be counted too.
namespace {
using Cnn = Sequential<Input<6, 6, 2>, Conv2D<4, Kernel<3, 3>, Padding::same, ReLU>, BatchNormalization,
                       MaxPooling2D<Pool<2, 2>>, Conv2D<4, Kernel<2, 2>, ReLU>, Flatten, Dense<3>>;
using Rnn = Sequential<Input<6, 3>, GRU<4, ReturnSequences>, LSTM<4, ReturnSequences>,
                       Bidirectional<GRU<3, ReturnSequences>>, Bidirectional<LSTM<3>>, Dense<2>>;
using Seq1d = Sequential<Input<16>, Reshape<8, 2>, Conv1D<4, Kernel<3>, Padding::same, ReLU>, MaxPooling1D<>,
                         Sequential<Conv1D<4, Kernel<3>, ReLU>, Flatten>, Sequential<Input<8>, Dense<6, ReLU>>, Dense<2>>;
using Wide = Sequential<Input<1100>, Dense<960, ReLU>, Dense<8>>;
#ifndef TSHAPE_NO_BLAS
static_assert(kernels::gemm::uses_blas(1, 960, 1100) && kernels::gemm::uses_blas(2, 960, 1100));
#endif

template <class M>
const M& built(std::uint64_t seed) {
  static M net;  // static storage: Wide's 4 MiB of parameters are not for the stack
  static const bool ready = (initialize(net, seed), true);
  (void)ready;
  return net;
}

/// A model's allocations per call for a static batch B whose arena fits the stack, a static batch
/// Big whose arena does not, and dyn batches.
template <class M, int B, int Big>
void check_model(const M& net) {
  static_assert(M::arena_bytes(B) <= TSHAPE_STACK_ARENA_BYTES && M::arena_bytes(Big) > TSHAPE_STACK_ARENA_BYTES);
  using In = typename M::input_shape;
  using Out = typename M::output_shape;
  Tensor<float, prepend_t<B, In>> x;
  fill(x, 0.07f);
  Tensor<float, prepend_t<B, Out>> y;
  const Tensor<float, prepend_t<B, Out>> expected = net(x);  // also what BLAS sets up on its first call
  static typename M::template arena<B> typed;
  alignas(64) static std::byte bytes[M::arena_bytes(B)];
  {
    INFO("static batch " << B);
    CHECK(allocations_of([&] { net.forward(x.view(), y.view()); }) == 0);
    for (std::ptrdiff_t i = 0; i < y.size(); ++i) CHECK(y[i] == expected[i]);
    CHECK(allocations_of([&] { y = net(x); }) == 0);
    CHECK(allocations_of([&] { net.forward(x.view(), y.view(), typed); }) == 0);
    CHECK(allocations_of([&] { net.forward(x.view(), y.view(), std::span<std::byte>(bytes)); }) == 0);
    for (std::ptrdiff_t i = 0; i < y.size(); ++i) CHECK(y[i] == expected[i]);
  }

  // net(x) on a dyn batch: one block per call, freed with the result.
  for (int batch : {1, 5, 2, 9}) {
    INFO("dyn batch " << batch);
    Tensor<float, prepend_t<dyn, In>> xd(batch);
    fill(xd, 0.03f);
    Tensor<float, prepend_t<dyn, Out>> yd(0);
    const long freed_before = frees.load();
    CHECK(allocations_of([&] { yd = net(xd); }) == 1);
    CHECK(yd.extent(0) == batch);
    // The same numbers on the caller's arena, which allocates nothing.
    Tensor<float, prepend_t<dyn, Out>> on_arena(batch);
    std::vector<std::byte> memory(M::arena_bytes(batch) + 64);
    auto* start = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(memory.data()) + 63) / 64 * 64);
    CHECK(allocations_of([&] {
            net.forward(xd.view(), on_arena.view(), std::span<std::byte>(start, M::arena_bytes(batch)));
          }) == 0);
    for (std::ptrdiff_t i = 0; i < yd.size(); ++i) CHECK(yd[i] == on_arena[i]);
    yd = Tensor<float, prepend_t<dyn, Out>>(0);
    CHECK(frees.load() - freed_before >= 1);
  }

  // forward(x, y) on a fresh thread: the thread's arena is allocated when a call needs more than any
  // before it, and only then; a static batch beyond the stack limit uses it too.
  std::thread([&] {
    auto run = [&](int batch) {
      Tensor<float, prepend_t<dyn, In>> xd(batch);
      Tensor<float, prepend_t<dyn, Out>> yd(batch);
      fill(xd, 0.02f);
      return allocations_of([&] { net.forward(xd.view(), yd.view()); });
    };
    CHECK(run(2) == 1 + thread_exit_record);
    CHECK(run(2) == 0);
    CHECK(run(1) == 0);
    CHECK(run(Big) == 1);
    CHECK(run(Big - 1) == 0);
    Tensor<float, prepend_t<Big, In>> xb;
    Tensor<float, prepend_t<Big, Out>> yb;
    fill(xb, 0.01f);
    CHECK(allocations_of([&] { net.forward(xb.view(), yb.view()); }) == 0);
    CHECK(allocations_of([&] { yb = net(xb); }) == 0);
  }).join();
}
}  // namespace

TEST_CASE("allocations: convolutions, pooling and BatchNormalization", "[allocations]") {
  check_model<Cnn, 2, 8>(built<Cnn>(11));
}
TEST_CASE("allocations: GRU, LSTM and Bidirectional", "[allocations]") { check_model<Rnn, 3, 8>(built<Rnn>(12)); }
TEST_CASE("allocations: Reshape, Conv1D and nested models", "[allocations]") {
  check_model<Seq1d, 4, 32>(built<Seq1d>(13));
}
TEST_CASE("allocations: a product large enough for BLAS", "[allocations]") {
  // As a program runs by default: OpenBLAS on one thread, the product split by rows over tshape's
  // pool (kernels/gemm/blas.hpp). sgemv and one-thread sgemm allocate nothing once set up; OpenBLAS
  // on several threads (a program's own set_blas_threads(n)) mallocs a block in every sgemm call it
  // splits (0.3.21: 512 KiB in sgemm_thread_nn), one per such product.
  check_model<Wide, 1, 4>(built<Wide>(14));
#ifndef TSHAPE_NO_BLAS
  CHECK(blas_threads() == 1);
#endif
}

// Training (train/trainer.hpp): make_trainer takes the gradients and the optimizer's slots from the
// heap when it is made, and the step's arena at the first step of a batch larger than any before;
// every other step allocates nothing. On a trainer_storage nothing allocates at all.
namespace {
using Mlp = Sequential<Input<16>, Dense<32, ReLU>, Dropout<Rate<1, 10>>, Dense<4, Softmax>>;

template <int B>
struct batch_data {
  Tensor<float, Shape<B, 16>> x;
  Tensor<int, Shape<B>> y;
  batch_data() {
    fill(x, 0.04f);
    for (int n = 0; n < B; ++n) y(n) = n % 4;
  }
};
}  // namespace

TEST_CASE("allocations: a train step allocates nothing after the first of its batch size", "[allocations][train]") {
  static Mlp net;
  initialize(net, 21);
  batch_data<8> small;
  batch_data<32> large;
  Tensor<float, Shape<dyn, 16>> x_dyn(8);
  for (std::ptrdiff_t i = 0; i < x_dyn.size(); ++i) x_dyn[i] = small.x[i];
  std::optional<trainer<Mlp, SparseCategoricalCrossentropy, Adam>> t;
  CHECK(allocations_of([&] { t.emplace(make_trainer(net, SparseCategoricalCrossentropy{}, Adam{})); }) == 2);  // the gradients and the slots
  CHECK(allocations_of([&] { t->step(small.x, small.y); }) == 1);  // the arena, for 8 samples
  for (int i = 0; i < 3; ++i) CHECK(allocations_of([&] { t->step(small.x, small.y); }) == 0);
  CHECK(allocations_of([&] { t->step(x_dyn, small.y); }) == 0);  // a dyn batch of the same size
  CHECK(allocations_of([&] { t->test_step(small.x, small.y); }) == 0);
  CHECK(allocations_of([&] { t->step(large.x, large.y); }) == 1);  // grows once
  CHECK(allocations_of([&] { t->step(large.x, large.y); }) == 0);
  CHECK(allocations_of([&] { t->step(small.x, small.y); }) == 0);
  t->set_trainable(0, false);
  CHECK(allocations_of([&] { t->step(small.x, small.y); }) == 0);
}

TEST_CASE("allocations: a trainer on a trainer_storage never allocates", "[allocations][train]") {
  static Mlp net;
  static trainer_storage<Mlp, Adam, 32> storage;
  initialize(net, 22);
  batch_data<8> small;
  batch_data<32> large;
  CHECK(allocations_of([&] {
          auto t = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.01f}, storage);
          for (int i = 0; i < 3; ++i) t.step(small.x, small.y);
          t.step(large.x, large.y);
          t.test_step(large.x, large.y);
          t.set_trainable(1, false);
          t.step(small.x, small.y);
        }) == 0);
}
