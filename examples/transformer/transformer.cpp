// A small transformer encoder (examples/transformer/encoder.hpp): its summary, its memory, and a few
// epochs of training on a task only attention solves: does token A come before token B?
#include "encoder.hpp"

#include <cstdio>
#include <string>

using namespace tshape;

int main(int argc, char** argv) {
  // --quick: three epochs on a quarter of the data, for unoptimised and sanitizer builds and qemu.
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  using transformer::Net;
  using transformer::sequence;
  using transformer::vocabulary;
  auto net = make_model<Net>(/*seed=*/11);
  print_summary<Net>();

  // Both sizes are known at compile time: what a device without a heap would reserve.
  constexpr std::size_t param_bytes = Net::param_count * sizeof(float), arena_bytes = Net::arena_bytes(1);
  std::printf("\nparameters: %zu bytes; forward arena, one sample: %zu bytes\n", param_bytes, arena_bytes);
  std::printf("a train step on 32 samples with Adam needs %zu bytes besides the model\n\n", train_bytes<Net, Adam>(32));

  // Each sequence holds token A (1) and token B (2) once, at random places, among filler tokens
  // (3..vocabulary-1); the class is whether A comes first. A token's own embedding does not say
  // that, nor does the mean of them all: the model must compare the two tokens' positions.
  const int n = quick ? 320 : 1280;
  Tensor<int, Shape<dyn, sequence>> x(n);
  Tensor<int, Shape<dyn>> y(n);
  detail::rng r(5);
  for (int i = 0; i < n; ++i) {
    for (int t = 0; t < sequence; ++t) x(i, t) = 3 + static_cast<int>(r.next() % (vocabulary - 3));
    const int a = static_cast<int>(r.next() % sequence);
    int b = static_cast<int>(r.next() % (sequence - 1));
    if (b >= a) ++b;
    x(i, a) = 1;
    x(i, b) = 2;
    y(i) = a < b ? 1 : 0;
  }
  const auto history = fit(net, x, y, SparseCategoricalCrossentropy{}, Adam{.learning_rate = 0.003f},
                           {.epochs = quick ? 3 : 10, .batch_size = 32, .validation_split = 0.2, .verbose = 2},
                           metrics<SparseCategoricalAccuracy>);
  const double accuracy = history["val_sparse_categorical_accuracy"].back();
  std::printf("\nvalidation accuracy after %d epochs: %.3f (chance: 0.5)\n", history.epochs(), accuracy);
  const bool learned = quick ? history["loss"].back() < history["loss"].front() : accuracy >= 0.8;
  return learned ? 0 : 1;
}
