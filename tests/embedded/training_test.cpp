// Training built with -fno-exceptions -fno-rtti, once with a heap and once with TSHAPE_NO_HEAP: a
// small MLP trains a few steps on a fixed batch and its loss falls. Under TSHAPE_NO_HEAP the model,
// the gradients, the optimizer's slots and the step's arena are all static (trainer_storage), and the
// replaced operator new below fails the test if anything allocates. No Catch2: it needs exceptions.
#include <tshape/tshape.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>

#ifdef __cpp_exceptions
#error "this test is built with -fno-exceptions"
#endif
#ifdef __GXX_RTTI
#error "this test is built with -fno-rtti"
#endif

using namespace tshape;

namespace {
int failures = 0;
#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::printf("%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                          \
    }                                                                      \
  } while (0)

constexpr int batch = 16;
using Net = Sequential<Input<4>, Dense<8, ReLU>, Dense<3, Softmax>>;

// Static storage for everything a step touches (no heap, no large stack frame).
Net net;
trainer_storage<Net, Adam, batch> storage;
Tensor<float, Shape<batch, 4>> x;
Tensor<int, Shape<batch>> y;

// Three classes that a small MLP separates: the class is the index of the largest of the first three
// features, the fourth is noise.
void make_data() {
  std::uint32_t state = 12345;
  auto uniform = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) / static_cast<float>(1u << 24) * 2.0f - 1.0f;
  };
  for (int n = 0; n < batch; ++n) {
    int best = 0;
    for (int j = 0; j < 4; ++j) {
      x(n, j) = uniform();
      if (j < 3 && x(n, j) > x(n, best)) best = j;
    }
    y(n) = best;
  }
}
}  // namespace

#ifdef TSHAPE_NO_HEAP
void* operator new(std::size_t) {
  std::puts("operator new called under TSHAPE_NO_HEAP");
  std::abort();
}
void* operator new(std::size_t, std::align_val_t) {
  std::puts("operator new called under TSHAPE_NO_HEAP");
  std::abort();
}
void operator delete(void*) noexcept {}
void operator delete(void*, std::size_t) noexcept {}
void operator delete(void*, std::align_val_t) noexcept {}
void operator delete(void*, std::size_t, std::align_val_t) noexcept {}
#endif

int main() {
  make_data();
  initialize(net, 3);
  // The static memory a step needs is a constant of the model, the optimizer and the batch.
  static_assert(sizeof(storage) >= train_bytes<Net, Adam>(batch));
  auto trainer = make_trainer(net, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.05f}, storage);
  const float first = trainer.step(x, y);
  float last = first;
  for (int i = 0; i < 30; ++i) last = trainer.step(x, y);
  CHECK(std::isfinite(first) && std::isfinite(last));
  CHECK(last < 0.5f * first);
  CHECK(trainer.iterations() == 31);
  // test_step: the loss at inference, the same as the last step's would be on the updated weights.
  const float eval = trainer.test_step(x, y);
  CHECK(eval < first);

#ifndef TSHAPE_NO_HEAP
  // With a heap: the same training, its memory from make_trainer.
  static Net net2;
  initialize(net2, 3);
  auto heap_trainer = make_trainer(net2, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.05f});
  float heap_last = 0.0f;
  for (int i = 0; i < 31; ++i) heap_last = heap_trainer.step(x, y);
  CHECK(heap_last == last);  // the same arithmetic, whichever memory holds it
#endif

  std::printf("%s: %d failure(s); loss %.4f -> %.4f\n", failures ? "FAILED" : "passed", failures, first, last);
  return failures == 0 ? 0 : 1;
}
