// GRU, LSTM, SimpleRNN and Bidirectional, backward: finite differences over every option (both
// GRU reset modes, ReturnSequences, GoBackwards, no bias, other activations), stacked layers, batch
// 1 and 3, odd sizes; forward_train against forward; the numbers against PyTorch's autograd
// (tests/reference/make_recurrent_grad.py); and whole training steps that lower the loss.
#include <tshape/tshape.hpp>

#include <memory>
#include <vector>

#include "gradient_check.hpp"

using namespace tshape;
using tshape_test::check_gradients;

namespace {

// Sigmoid and tanh are smooth: a small step and a tight tolerance.
tshape_test::gradient_check_options smooth() {
  tshape_test::gradient_check_options o;
  o.eps = 5e-3;
  o.tolerance = 2e-3;
  return o;
}

// forward_train gives forward's numbers (to the last bits of the activations).
template <class Net>
void check_forward_train(int batch) {
  auto net = std::make_unique<Net>();
  initialize(*net, 3);
  tshape_test::random_floats gen(4);
  for_each_weight(*net, [&](const weight_ref& w) {
    const std::string name(w.name.view());
    if (name.find("bias") != std::string::npos) gen.fill(w.values, -0.3f, 0.3f);
  });
  const auto in = static_cast<std::size_t>(batch) * detail::sample_size<typename Net::input_shape>;
  const auto out = static_cast<std::size_t>(batch) * detail::sample_size<typename Net::output_shape>;
  std::vector<float> x(in), y(out), yt(out);
  gen.fill(x, -2.0f, 2.0f);
  using XV = TensorView<const float, prepend_t<dyn, typename Net::input_shape>>;
  using YV = TensorView<float, prepend_t<dyn, typename Net::output_shape>>;
  net->forward(XV(x.data(), {batch}), YV(y.data(), {batch}));
  std::vector<float> saved(Net::saved_floats(batch) + 16);
  std::vector<float> scratch(std::max(Net::arena_floats(batch), Net::backward_scratch_floats(batch)) + 16);
  train_context ctx;
  net->forward_train(x.data(), yt.data(), batch, saved.data(), scratch.data(), ctx);
  tshape_test::require_close(yt, y, 1e-5, 1e-6);
}

}  // namespace

TEST_CASE("forward_train of the recurrent layers gives forward's outputs", "[train][recurrent]") {
  check_forward_train<Sequential<Input<5, 3>, GRU<7>>>(3);
  check_forward_train<Sequential<Input<5, 3>, GRU<7, ReturnSequences, GoBackwards>>>(3);
  check_forward_train<Sequential<Input<5, 3>, GRU<4, ResetAfter<false>, ReturnSequences>>>(2);
  check_forward_train<Sequential<Input<6, 3>, GRU<5, ELU, RecurrentActivation<Tanh>>>>(3);
  check_forward_train<Sequential<Input<5, 3>, LSTM<7, ReturnSequences>>>(3);
  check_forward_train<Sequential<Input<5, 3>, LSTM<4, GoBackwards, UseBias<false>>>>(1);
  check_forward_train<Sequential<Input<5, 3>, SimpleRNN<7, ReLU, ReturnSequences>>>(3);
  check_forward_train<Sequential<Input<5, 3>, SimpleRNN<4, GoBackwards>>>(2);
  check_forward_train<Sequential<Input<5, 3>, Bidirectional<GRU<4, ReturnSequences>>>>(3);
  check_forward_train<Sequential<Input<5, 3>, Bidirectional<GRU<4, ReturnSequences>, MergeMode::mul>>>(3);
  check_forward_train<Sequential<Input<5, 3>, Bidirectional<LSTM<4>, MergeMode::ave>>>(2);
  check_forward_train<Sequential<Input<5, 3>, Bidirectional<LSTM<4, GoBackwards>>>>(3);
  check_forward_train<Sequential<Input<40, 16>, GRU<32>, Dense<2, Softmax>>>(17);
}

TEST_CASE("backward: GRU (reset_after) matches finite differences", "[train][backward][recurrent]") {
  check_gradients<Sequential<Input<5, 3>, GRU<4>>>(1, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<7, ReturnSequences>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<4, GoBackwards>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<7, GoBackwards, ReturnSequences>>>(1, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<4, UseBias<false>, ReturnSequences>>>(3, smooth());
}

TEST_CASE("backward: GRU with ResetAfter<false> matches finite differences", "[train][backward][recurrent]") {
  check_gradients<Sequential<Input<5, 3>, GRU<4, ResetAfter<false>>>>(1, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<7, ResetAfter<false>, ReturnSequences>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<4, ResetAfter<false>, GoBackwards, ReturnSequences>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<7, ResetAfter<false>, UseBias<false>, GoBackwards>>>(3, smooth());
}

TEST_CASE("backward: GRU with other activations matches finite differences", "[train][backward][recurrent]") {
  // ELU's derivative needs the pre-activations (kept); its kink at 0 is away from the samples.
  check_gradients<Sequential<Input<5, 3>, GRU<4, ELU, RecurrentActivation<Tanh>, ReturnSequences>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, GRU<4, ResetAfter<false>, Swish, RecurrentActivation<Sigmoid>>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, LSTM<4, GELU, RecurrentActivation<Tanh>, ReturnSequences>>>(2, smooth());
}

TEST_CASE("backward: LSTM matches finite differences", "[train][backward][recurrent]") {
  check_gradients<Sequential<Input<5, 3>, LSTM<4>>>(1, smooth());
  check_gradients<Sequential<Input<5, 3>, LSTM<7, ReturnSequences>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, LSTM<4, GoBackwards>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, LSTM<7, GoBackwards, ReturnSequences, UseBias<false>>>>(3, smooth());
}

TEST_CASE("backward: SimpleRNN with Tanh and ReLU matches finite differences", "[train][backward][recurrent]") {
  check_gradients<Sequential<Input<5, 3>, SimpleRNN<4>>>(1, smooth());
  check_gradients<Sequential<Input<5, 3>, SimpleRNN<7, ReturnSequences, GoBackwards>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, SimpleRNN<4, UseBias<false>>>>(3, smooth());
  // ReLU: the kinks make a few differences straddle one; a small step keeps them rare.
  tshape_test::gradient_check_options relu;
  relu.eps = 1e-3;
  relu.tolerance = 5e-3;
  check_gradients<Sequential<Input<5, 3>, SimpleRNN<4, ReLU>>>(1, relu);
  check_gradients<Sequential<Input<5, 3>, SimpleRNN<7, ReLU, ReturnSequences>>>(3, relu);
  check_gradients<Sequential<Input<5, 3>, SimpleRNN<7, ReLU, GoBackwards>>>(3, relu);
}

TEST_CASE("backward: Bidirectional of each recurrent layer matches finite differences", "[train][backward][recurrent]") {
  check_gradients<Sequential<Input<5, 3>, Bidirectional<GRU<4>>>>(1, smooth());
  check_gradients<Sequential<Input<5, 3>, Bidirectional<GRU<7, ReturnSequences>>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, Bidirectional<GRU<4, ResetAfter<false>, GoBackwards, ReturnSequences>>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, Bidirectional<LSTM<4, ReturnSequences>>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, Bidirectional<LSTM<7, GoBackwards>>>>(1, smooth());
  check_gradients<Sequential<Input<5, 3>, Bidirectional<SimpleRNN<4, ReturnSequences, UseBias<false>>>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, Bidirectional<SimpleRNN<7>>>>(3, smooth());
}

TEST_CASE("backward: Bidirectional's merge modes match finite differences", "[train][backward][recurrent]") {
  check_gradients<Sequential<Input<5, 3>, Bidirectional<GRU<4>, MergeMode::sum>>>(1, smooth());
  check_gradients<Sequential<Input<5, 3>, Bidirectional<GRU<5, ReturnSequences>, MergeMode::sum>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, Bidirectional<LSTM<4, ReturnSequences>, MergeMode::mul>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, Bidirectional<SimpleRNN<4, GoBackwards>, MergeMode::mul>>>(2, smooth());
  check_gradients<Sequential<Input<5, 3>, Bidirectional<GRU<4, ReturnSequences, ResetAfter<false>>, MergeMode::ave>,
                             Dense<2, Tanh>>>(3, smooth());
}

TEST_CASE("backward: stacked recurrent layers with Dense on top match finite differences", "[train][backward][recurrent]") {
  check_gradients<Sequential<Input<5, 3>, GRU<4, ReturnSequences>, LSTM<7, ReturnSequences, GoBackwards>, SimpleRNN<4>,
                             Dense<3, Softmax>>>(3, smooth());
  check_gradients<Sequential<Input<6, 3>, Bidirectional<LSTM<4, ReturnSequences>>, GRU<5, ResetAfter<false>>,
                             Dense<2, Tanh>>>(3, smooth());
  check_gradients<Sequential<Input<5, 3>, Dense<4, Tanh>, Bidirectional<GRU<4, ReturnSequences>>, Dense<2>>>(1, smooth());
}

// ---- Against PyTorch's autograd ---------------------------------------------------------------------

namespace {

template <class Bound>
void load(const tshape_test::reference& ref, const std::string& name, Bound& l) {
  ref.copy_to(name + ".kernel", l.kernel());
  ref.copy_to(name + ".recurrent_kernel", l.recurrent_kernel());
  if constexpr (requires { l.bias(); }) ref.copy_to(name + ".bias", l.bias());
}
template <class Bound>
void compare(const tshape_test::reference& ref, const std::string& name, Bound& g) {
  INFO(name);
  tshape_test::require_close(g.kernel(), ref[name + ".dkernel"].values, 1e-4, 2e-5);
  tshape_test::require_close(g.recurrent_kernel(), ref[name + ".drecurrent_kernel"].values, 1e-4, 2e-5);
  if constexpr (requires { g.bias(); }) tshape_test::require_close(g.bias(), ref[name + ".dbias"].values, 1e-4, 2e-5);
}

// L = sum(r * y) on the reference's x, weights and r: dL/dx and dL/dweights against autograd's.
template <class L, int T, int F, int B>
void check_reference(const std::string& name) {
  INFO(name);
  const tshape_test::reference ref("recurrent_grad.txt");
  using Net = Sequential<Input<T, F>, L>;
  auto net = std::make_unique<Net>();
  auto grad = std::make_unique<Net>();
  for_each_weight(*grad, [](const weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });
  if constexpr (requires { layer<0>(*net).forward_layer(); }) {
    load(ref, name + ".forward", layer<0>(*net).forward_layer());
    load(ref, name + ".backward", layer<0>(*net).backward_layer());
  } else {
    load(ref, name, layer<0>(*net));
  }
  std::vector<float> x(static_cast<std::size_t>(B) * T * F), dx(x.size());
  std::vector<float> r(static_cast<std::size_t>(B) * detail::sample_size<typename Net::output_shape>), y(r.size());
  ref.copy_to(name + ".x", x);
  ref.copy_to(name + ".r", r);
  std::vector<float> saved(Net::saved_floats(B) + 16);
  std::vector<float> scratch(std::max(Net::arena_floats(B), Net::backward_scratch_floats(B)) + 16);
  train_context ctx;
  net->forward_train(x.data(), y.data(), B, saved.data(), scratch.data(), ctx);
  net->backward(x.data(), y.data(), r.data(), dx.data(), B, saved.data(), scratch.data(), *grad, ctx);
  tshape_test::require_close(dx, ref[name + ".dx"].values, 1e-4, 2e-5);
  if constexpr (requires { layer<0>(*grad).forward_layer(); }) {
    compare(ref, name + ".forward", layer<0>(*grad).forward_layer());
    compare(ref, name + ".backward", layer<0>(*grad).backward_layer());
  } else {
    compare(ref, name, layer<0>(*grad));
  }
}

}  // namespace

TEST_CASE("backward: GRU's gradients match PyTorch's autograd", "[train][backward][recurrent][reference]") {
  check_reference<GRU<4, ReturnSequences>, 5, 3, 3>("gru_seq");
  check_reference<GRU<7, GoBackwards>, 6, 5, 2>("gru_back");
  check_reference<GRU<5, ReturnSequences, GoBackwards, UseBias<false>>, 5, 3, 1>("gru_nobias");
  check_reference<GRU<4, ResetAfter<false>, ReturnSequences>, 5, 3, 3>("gru_reset_before");
  check_reference<GRU<7, ResetAfter<false>, GoBackwards>, 5, 4, 2>("gru_reset_before_back");
}

TEST_CASE("backward: LSTM's and SimpleRNN's gradients match PyTorch's autograd", "[train][backward][recurrent][reference]") {
  check_reference<LSTM<4, ReturnSequences>, 5, 3, 3>("lstm_seq");
  check_reference<LSTM<7, GoBackwards>, 6, 5, 2>("lstm_back");
  check_reference<LSTM<5, ReturnSequences, GoBackwards, UseBias<false>>, 5, 3, 1>("lstm_nobias");
  check_reference<SimpleRNN<7>, 5, 3, 3>("rnn");
  check_reference<SimpleRNN<4, ReLU, ReturnSequences, GoBackwards>, 5, 3, 2>("rnn_relu_seq");
}

TEST_CASE("backward: Bidirectional's gradients match PyTorch's autograd", "[train][backward][recurrent][reference]") {
  check_reference<Bidirectional<GRU<4, ReturnSequences>>, 5, 3, 2>("bi_gru_seq");
  check_reference<Bidirectional<LSTM<5>>, 4, 4, 3>("bi_lstm");
}

// ---- Whole training steps ----------------------------------------------------------------------------

namespace {

// The sign of the first feature's sum over time, two classes: learnable by any of the layers.
template <class Net>
void check_training_lowers_loss(int steps, float learning_rate) {
  constexpr int T = Net::input_shape::extents[0], F = Net::input_shape::extents[1], B = 32;
  auto net = make_model<Net>();
  initialize(net, 9);
  Adam adam;
  adam.learning_rate = learning_rate;
  auto trainer = make_trainer(net, SparseCategoricalCrossentropy{}, adam);
  tshape_test::random_floats gen(12);
  Tensor<float, Shape<B, T, F>> x;
  Tensor<int, Shape<B>> labels;
  auto batch = [&] {
    gen.fill(x);
    for (int n = 0; n < B; ++n) {
      float s = 0.0f;
      for (int t = 0; t < T; ++t) s += x(n, t, 0);
      labels(n) = s > 0.0f ? 1 : 0;
    }
  };
  double first = 0.0, last = 0.0;
  for (int i = 0; i < steps; ++i) {
    batch();
    const float l = trainer.step(x, labels);
    REQUIRE(std::isfinite(l));
    if (i < 10) first += l / 10.0;
    if (i >= steps - 10) last += l / 10.0;
  }
  INFO("mean loss of the first ten steps " << first << ", of the last ten " << last);
  CHECK(last < 0.5 * first);
}

}  // namespace

TEST_CASE("training: Adam on recurrent classifiers lowers the loss", "[train][recurrent]") {
  check_training_lowers_loss<Sequential<Input<10, 3>, GRU<8>, Dense<2, Softmax>>>(150, 0.01f);
  check_training_lowers_loss<Sequential<Input<10, 3>, LSTM<8>, Dense<2, Softmax>>>(150, 0.01f);
  check_training_lowers_loss<Sequential<Input<10, 3>, SimpleRNN<8>, Dense<2, Softmax>>>(150, 0.01f);
  // Bidirectional's six arrays reach the optimizer through for_each_trainable_of.
  check_training_lowers_loss<Sequential<Input<10, 3>, Bidirectional<GRU<6, ReturnSequences>>, GRU<4, ResetAfter<false>>,
                                        Dense<2, Softmax>>>(150, 0.01f);
}
