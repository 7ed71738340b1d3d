// The functional API: a small ResNet (examples/functional/resnet.hpp), its summary, the memory its
// arena saves by reusing buffers, and a few epochs of training on a synthetic task.
#include "resnet.hpp"

#include <cstdio>
#include <string>

using namespace tshape;

int main(int argc, char** argv) {
  // --quick: two epochs, for unoptimised and sanitizer builds.
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  using resnet::Net;
  static_assert(Net::param_count == 20'234);  // Keras' count for the same model
  auto net = make_model<Net>(/*seed=*/3);
  print_summary<Net>();

  // The forward arena holds only the tensors alive at once; without reuse it would hold them all.
  std::printf("\nforward arena, one sample: %zu bytes (every intermediate tensor at once: %zu bytes)\n",
              Net::arena_bytes(1), Net::unshared_activation_floats(1) * sizeof(float));
  std::printf("a train step on 32 samples with Adam needs %zu bytes besides the model\n\n",
              train_bytes<Net, Adam>(32));

  // Ten classes: which cell of a 4 x 4 grid (its first ten cells) holds a bright 4 x 4 patch.
  constexpr int n = 640;
  Tensor<float, Shape<dyn, 16, 16, 3>> x(n);
  Tensor<int, Shape<dyn>> y(n);
  detail::rng r(7);
  for (int i = 0; i < n; ++i) {
    const int label = static_cast<int>(r.next() % 10), top = label / 4 * 4, left = label % 4 * 4;
    y(i) = label;
    for (int h = 0; h < 16; ++h)
      for (int w = 0; w < 16; ++w)
        for (int c = 0; c < 3; ++c) {
          const bool bright = h >= top && h < top + 4 && w >= left && w < left + 4;
          x(i, h, w, c) = (bright ? 0.8f : 0.1f) + r.uniform(-0.1f, 0.1f);
        }
  }
  // BatchNormalization's moving statistics follow the batches with Keras' momentum 0.99, so validation
  // (which uses them) trails training by some hundred steps, as in Keras: 30 epochs of 16 steps.
  const auto history = fit(net, x, y, SparseCategoricalCrossentropy{}, Adam{},
                           {.epochs = quick ? 2 : 30, .batch_size = 32, .validation_split = 0.2, .verbose = 2},
                           metrics<SparseCategoricalAccuracy>);
  const double accuracy = history["val_sparse_categorical_accuracy"].back();
  std::printf("\nvalidation accuracy after %d epochs: %.3f\n", history.epochs(), accuracy);
  // Quick runs train two epochs: the loss must at least fall.
  const bool learned = quick ? history["loss"].back() < history["loss"].front() : accuracy >= 0.9;
  return learned ? 0 : 1;
}
