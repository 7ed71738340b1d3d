// Conv2D, Conv1D, ZeroPadding2D and the pooling layers, backward: finite differences over strides,
// dilation, 'same' and 'valid', no bias, fused activations, pools whose strides are smaller or larger
// than the pool, and the global pools. Max pooling is checked on inputs spaced wider than the
// difference step, so that no step changes which cell is a window's maximum.
#include <tshape/tshape.hpp>

#include <algorithm>
#include <memory>
#include <numeric>
#include <vector>

#include "gradient_check.hpp"

using namespace tshape;
using tshape_test::check_gradients;

namespace {

/// Checks Net (no weights, or weights as initialized) on inputs that are distinct multiples of 0.05
/// in a shuffled order: every window's maximum is ahead of the rest by more than twice the step (0.01).
template <class Net>
void check_on_distinct_inputs(int batch) {
  auto net = std::make_unique<Net>();
  tshape::initialize(*net, 3);
  std::vector<float> x(static_cast<std::size_t>(batch) * tshape::detail::sample_size<typename Net::input_shape>);
  std::vector<int> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  tshape::detail::rng gen(11);
  for (std::size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[gen.next() % k]);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = 0.05f * (order[k] - static_cast<float>(x.size()) / 2);
  tshape_test::gradient_checker<Net> checker(*net, batch);
  checker.options.per_array = 1000;  // every input
  checker.run(std::move(x));
}

}  // namespace

TEST_CASE("backward: Conv2D with strides, padding and fused activations matches finite differences",
          "[train][backward][conv]") {
  check_gradients<Sequential<Input<7, 6, 2>, Conv2D<3, Kernel<3, 3>, Strides<2, 2>, Padding::same, Tanh>>>(3);
  check_gradients<Sequential<Input<7, 6, 2>, Conv2D<3, Kernel<3, 3>, Strides<2, 2>, Tanh>>>(1);
  check_gradients<Sequential<Input<6, 7, 3>, Conv2D<4, Kernel<2, 3>, Padding::same, Sigmoid, UseBias<false>>>>(2);
  check_gradients<Sequential<Input<5, 5, 1>, Conv2D<2, Kernel<4>, Strides<3>, Padding::same, ELU>>>(3);
  check_gradients<Sequential<Input<6, 5, 2>, Conv2D<3, Kernel<3>, Strides<1, 3>, Padding::same, Softplus>>>(2);
}

TEST_CASE("backward: Conv2D with dilation, 1x1 and softmax, and stacked", "[train][backward][conv]") {
  check_gradients<Sequential<Input<8, 7, 2>, Conv2D<3, Kernel<3>, DilationRate<2>, Padding::same, Swish>>>(2);
  check_gradients<Sequential<Input<8, 7, 3>, Conv2D<2, Kernel<2, 3>, DilationRate<3, 2>, GELU>>>(1);
  check_gradients<Sequential<Input<4, 5, 5>, Conv2D<4, Kernel<1>, Tanh>>>(3);              // pointwise
  check_gradients<Sequential<Input<5, 4, 3>, Conv2D<4, Kernel<1>, Strides<2>, Softmax>>>(2);  // 1x1 strided
  check_gradients<Sequential<Input<6, 6, 2>, Conv2D<3, Kernel<3>, Padding::same, Tanh>,
                             Conv2D<2, Kernel<2>, Strides<2>, UseBias<false>>>>(2);
  // Kinked activations on few outputs with a small step, so that no step crosses a kink.
  tshape_test::gradient_check_options fine;
  fine.eps = 1e-3;
  fine.tolerance = 5e-3;
  check_gradients<Sequential<Input<2, 2, 3>, Conv2D<2, Kernel<1>, ReLU>>>(1, fine);
  check_gradients<Sequential<Input<3, 3, 2>, Conv2D<2, Kernel<2>, Strides<2>, Padding::same, LeakyReLU>>>(1, fine);
}

TEST_CASE("backward: a convolution whose batch backward splits into chunks", "[train][backward][conv]") {
  // 40-pixel rows of 3 x 3 x 8 taps: 22 output rows per chunk, so the chunks end inside a sample, and
  // each chunk's dL/dz comes from the activation's derivative on its own.
  using Net = Sequential<Input<20, 40, 8>, Conv2D<8, Kernel<3>, Padding::same, Swish>>;
  static_assert(kernels::conv::backward_chunk_rows(kernels::make_geometry(20, 40, 8, 3, 3, 1, 1, 1, 1, true, 8), 3) == 22);
  check_gradients<Net>(3);
  // 16 channels and 8 columns at stride 1: dx by the direct kernel.
  using Direct = Sequential<Input<5, 8, 16>, Conv2D<3, Kernel<3>, Padding::same, ELU>>;
  static_assert(kernels::conv::dx_by_direct(kernels::make_geometry(5, 8, 16, 3, 3, 1, 1, 1, 1, true, 3)));
  check_gradients<Direct>(2);
}

TEST_CASE("backward: Conv1D with strides, dilation and no bias", "[train][backward][conv]") {
  check_gradients<Sequential<Input<11, 3>, Conv1D<4, Kernel<3>, DilationRate<2>, Padding::same, Tanh>>>(3);
  check_gradients<Sequential<Input<11, 2>, Conv1D<3, Kernel<2>, Strides<3>, ELU>>>(2);
  check_gradients<Sequential<Input<9, 4>, Conv1D<2, Kernel<4>, Strides<2>, Padding::same, UseBias<false>>>>(1);
  check_gradients<Sequential<Input<10, 2>, Conv1D<5, Kernel<3>, DilationRate<3>, Sigmoid>, Conv1D<2, Kernel<1>>>>(2);
}

TEST_CASE("backward: ZeroPadding2D crops the gradient", "[train][backward][conv]") {
  check_gradients<Sequential<Input<4, 5, 2>, ZeroPadding2D<1, 2, 0, 3>>>(2);
  check_gradients<Sequential<Input<4, 3, 2>, ZeroPadding2D<>, Conv2D<3, Kernel<3>, Strides<2>, Tanh>>>(3);
}

TEST_CASE("backward: average pools over real cells, with strides smaller or larger than the pool",
          "[train][backward][pool]") {
  check_gradients<Sequential<Input<7, 6, 3>, AveragePooling2D<>>>(2);
  check_gradients<Sequential<Input<7, 6, 3>, AveragePooling2D<Pool<3>, Strides<2>, Padding::same>>>(3);
  check_gradients<Sequential<Input<8, 7, 2>, AveragePooling2D<Pool<2, 3>, Strides<3, 4>>>>(1);
  check_gradients<Sequential<Input<7, 7, 2>, AveragePooling2D<Pool<2>, Strides<3>, Padding::same>>>(2);
  check_gradients<Sequential<Input<9, 3>, AveragePooling1D<Pool<3>, Strides<2>, Padding::same>>>(3);
  check_gradients<Sequential<Input<6, 5, 2>, Conv2D<3, Kernel<3>, Padding::same, Tanh>, AveragePooling2D<>,
                             GlobalAveragePooling2D>>(2);
  check_gradients<Sequential<Input<7, 3>, Conv1D<4, Kernel<2>, Tanh>, GlobalAveragePooling1D>>(3);
}

TEST_CASE("backward: max pools give each window's gradient to its maximum", "[train][backward][pool]") {
  check_on_distinct_inputs<Sequential<Input<6, 7, 3>, MaxPooling2D<>>>(2);
  check_on_distinct_inputs<Sequential<Input<7, 7, 2>, MaxPooling2D<Pool<3>, Strides<2>, Padding::same>>>(3);  // overlapping
  check_on_distinct_inputs<Sequential<Input<7, 8, 2>, MaxPooling2D<Pool<2>, Strides<3>, Padding::same>>>(1);  // gaps
  check_on_distinct_inputs<Sequential<Input<8, 7, 3>, MaxPooling2D<Pool<2, 3>, Strides<1, 2>>>>(2);
  check_on_distinct_inputs<Sequential<Input<11, 3>, MaxPooling1D<Pool<3>, Strides<2>, Padding::same>>>(3);
  check_on_distinct_inputs<Sequential<Input<10, 2>, MaxPooling1D<>>>(2);
  check_on_distinct_inputs<Sequential<Input<5, 4, 3>, GlobalMaxPooling2D>>(3);
  check_on_distinct_inputs<Sequential<Input<9, 5>, GlobalMaxPooling1D>>(2);
  // Behind a convolution the pooled values are not spaced: a smaller step keeps the maxima in place.
  tshape_test::gradient_check_options fine;
  fine.eps = 1e-3;
  fine.tolerance = 5e-3;
  check_gradients<Sequential<Input<6, 6, 2>, Conv2D<3, Kernel<3>, Padding::same, Tanh>, MaxPooling2D<>, Flatten,
                             Dense<2>>>(2, fine);
}

TEST_CASE("backward: a Softmax convolution's dy can be dL/dlogits", "[train][backward][conv]") {
  // With ctx.dy_is_logits the layer skips its activation's derivative: the same gradients as the
  // linear layer with the same weights, and logits() is that layer's output.
  using Soft = Sequential<Input<5, 4, 2>, Conv2D<3, Kernel<2>, Padding::same, Softmax>>;
  using Lin = Sequential<Input<5, 4, 2>, Conv2D<3, Kernel<2>, Padding::same>>;
  static_assert(Soft::has_logits && !Lin::has_logits);
  constexpr int batch = 2;
  auto soft = std::make_unique<Soft>(), soft_grad = std::make_unique<Soft>();
  auto lin = std::make_unique<Lin>(), lin_grad = std::make_unique<Lin>();
  tshape::initialize(*soft, 5);
  const std::vector<float> weights = tshape::flat_weights(*soft);
  std::size_t at = 0;
  tshape::for_each_weight(*lin, [&](const tshape::weight_ref& w) {
    for (auto& v : w.values) v = weights[at++];
  });
  for (auto* g : {soft_grad.get()})
    tshape::for_each_weight(*g, [](const tshape::weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });
  tshape::for_each_weight(*lin_grad, [](const tshape::weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });

  constexpr std::size_t in = batch * 5 * 4 * 2, out = batch * 5 * 4 * 3;
  tshape_test::random_floats rnd(9);
  std::vector<float> x(in), dy(out), y_soft(out), y_lin(out), dx_soft(in), dx_lin(in);
  rnd.fill(x);
  rnd.fill(dy);
  std::vector<float> saved(std::max(Soft::saved_floats(batch), Lin::saved_floats(batch)) + 16);
  std::vector<float> saved_lin(saved.size());
  std::vector<float> scratch(std::max({Soft::arena_floats(batch), Soft::backward_scratch_floats(batch),
                                       Lin::arena_floats(batch), Lin::backward_scratch_floats(batch)}) + 16);
  train_context ctx;
  soft->forward_train(x.data(), y_soft.data(), batch, saved.data(), scratch.data(), ctx);
  lin->forward_train(x.data(), y_lin.data(), batch, saved_lin.data(), scratch.data(), ctx);
  const float* logits = soft->logits(saved.data(), batch);
  tshape_test::require_close(std::vector<float>(logits, logits + out), y_lin, 1e-6, 1e-6);

  ctx.dy_is_logits = true;
  soft->backward(x.data(), y_soft.data(), dy.data(), dx_soft.data(), batch, saved.data(), scratch.data(), *soft_grad, ctx);
  ctx.dy_is_logits = false;
  lin->backward(x.data(), y_lin.data(), dy.data(), dx_lin.data(), batch, saved_lin.data(), scratch.data(), *lin_grad, ctx);
  tshape_test::require_close(dx_soft, dx_lin, 1e-6, 1e-6);
  const std::vector<float> g_soft = tshape::flat_weights(*soft_grad), g_lin = tshape::flat_weights(*lin_grad);
  tshape_test::require_close(g_soft, g_lin, 1e-6, 1e-6);
}

TEST_CASE("backward: a frozen convolution passes dx on and adds no weight gradients", "[train][backward][conv]") {
  using Net = Sequential<Input<6, 5, 2>, Conv2D<3, Kernel<3>, Strides<2>, Padding::same, Tanh>>;
  constexpr int batch = 2;
  auto net = std::make_unique<Net>(), grad = std::make_unique<Net>();
  tshape::initialize(*net, 1);
  tshape::for_each_weight(*grad, [](const tshape::weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });
  tshape_test::random_floats rnd(4);
  std::vector<float> x(batch * 6 * 5 * 2), y(batch * 3 * 3 * 3), dy(y.size()), dx(x.size()), dx_frozen(x.size());
  rnd.fill(x);
  rnd.fill(dy);
  std::vector<float> saved(Net::saved_floats(batch) + 16),
      scratch(std::max(Net::arena_floats(batch), Net::backward_scratch_floats(batch)) + 16);
  train_context ctx;
  net->forward_train(x.data(), y.data(), batch, saved.data(), scratch.data(), ctx);
  net->backward(x.data(), y.data(), dy.data(), dx.data(), batch, saved.data(), scratch.data(), *grad, ctx);
  auto frozen_grad = std::make_unique<Net>();
  tshape::for_each_weight(*frozen_grad, [](const tshape::weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });
  ctx.trainable = false;
  net->backward(x.data(), y.data(), dy.data(), dx_frozen.data(), batch, saved.data(), scratch.data(), *frozen_grad, ctx);
  tshape_test::require_close(dx_frozen, dx, 0, 0);
  tshape::for_each_weight(*frozen_grad, [](const tshape::weight_ref& w) {
    for (float v : w.values) CHECK(v == 0.0f);
  });
}

TEST_CASE("training: a small CNN learns where a bright spot is", "[train][conv]") {
  // Each 8x8 image holds one bright 2x2 spot on noise; the class is the half it is in. Conv, pooling
  // and a softmax head (its cross-entropy read from the logits) learn it in a few dozen Adam steps.
  using Net = Sequential<Input<8, 8, 1>, Conv2D<4, Kernel<3>, Padding::same, ReLU>, MaxPooling2D<>,
                         Conv2D<6, Kernel<3>, Padding::same, Tanh>, AveragePooling2D<>, Flatten, Dense<2, Softmax>>;
  auto net = make_model<Net>(1);
  Adam adam;
  adam.learning_rate = 0.01f;
  auto trainer = make_trainer(net, SparseCategoricalCrossentropy{}, adam);
  constexpr int batch = 16;
  Tensor<float, Shape<batch, 8, 8, 1>> x;
  Tensor<int, Shape<batch>> labels;
  tshape_test::random_floats rnd(3);
  const auto make_batch = [&] {
    for (int n = 0; n < batch; ++n) {
      for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 8; ++j) x(n, i, j, 0) = rnd(0.0f, 0.3f);
      const int label = rnd() > 0.0f ? 1 : 0;
      const int r = static_cast<int>(rnd(0.0f, 6.99f)), c = static_cast<int>(rnd(0.0f, 2.99f)) + 4 * label;
      for (int i = r; i < r + 2; ++i)
        for (int j = c; j < c + 2; ++j) x(n, i, j, 0) = 1.0f;
      labels(n) = label;
    }
  };
  make_batch();
  const float first = trainer.step(x, labels);
  float last = first;
  for (int s = 0; s < 60; ++s) {
    make_batch();
    last = trainer.step(x, labels);
  }
  make_batch();
  const float held_out = trainer.test_step(x, labels);
  INFO("loss at the first step " << first << ", at the last " << last << ", on a new batch " << held_out);
  CHECK(held_out < 0.5f * first);
}
