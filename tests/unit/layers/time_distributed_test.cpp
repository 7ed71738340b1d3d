// TimeDistributed: its shapes, rules, names and weights, the numbers of PyTorch's layers run on the
// (N*T, ...) reshape (tests/reference/make_time_distributed.py), the same numbers as the layer on the
// last axis where Keras says they are equal, and its gradients.
#include <tshape/tshape.hpp>

#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;

// Shapes: the time axis is kept, every timestep goes through the layer.
static_assert(std::is_same_v<decltype(TimeDistributed<Dense<8>>::infer(Shape<10, 16>{})), Shape<10, 8>>);
static_assert(std::is_same_v<decltype(TimeDistributed<Conv2D<4, Kernel<3>>>::infer(Shape<6, 9, 8, 3>{})),
                             Shape<6, 7, 6, 4>>);
static_assert(std::is_same_v<decltype(TimeDistributed<MaxPooling2D<>>::infer(Shape<6, 9, 8, 3>{})), Shape<6, 4, 4, 3>>);
static_assert(std::is_same_v<decltype(TimeDistributed<Flatten>::infer(Shape<6, 4, 4, 3>{})), Shape<6, 48>>);
static_assert(std::is_same_v<decltype(TimeDistributed<Dense<2>>::infer(Shape<3, 4, 5>{})), Shape<3, 4, 2>>);
static_assert(std::is_same_v<decltype(TimeDistributed<GlobalAveragePooling1D>::infer(Shape<3, 4, 5>{})), Shape<3, 5>>);

// Rule: a time axis and one more.
static_assert(std::is_same_v<diagnosis_t<detail::failure<1, TimeDistributed<Dense<8>>,
                                                         decltype(TimeDistributed<Dense<8>>::infer(Shape<16>{}))>>,
                             error::WRONG_RANK<error::at_layer<1>, TimeDistributed<Dense<8>>, error::expected_rank_at_least<2>,
                                               error::but_got_shape<error::None, 16>>>);
// Rule: the wrapped layer's own, on one timestep, with the whole sample named and its Reshape around time.
static_assert(std::is_same_v<decltype(TimeDistributed<Conv2D<4, Kernel<3>>>::infer(Shape<10, 28, 28>{})),
                             mismatch<error::WRONG_RANK, error::each_timestep_of<error::None, 10, 28, 28>,
                                      error::expected_rank<3>, error::but_got_shape<error::None, 28, 28>,
                                      error::fix_with_layer_before_it<Reshape<10, 28, 28, 1>>>>);
static_assert(std::is_same_v<decltype(TimeDistributed<Conv2D<4, Kernel<5>>>::infer(Shape<2, 3, 3, 1>{})),
                             mismatch<error::WINDOW_LARGER_THAN_INPUT, error::each_timestep_of<error::None, 2, 3, 3, 1>,
                                      error::window<5, 5>, error::input_extent<3, 3>,
                                      error::but_got_shape<error::None, 3, 3, 1>>>);
// A merge layer has several inputs: not one layer per timestep.
static_assert(std::is_same_v<decltype(TimeDistributed<Add>::infer(Shape<10, 16>{})),
                             mismatch<error::BAD_OPTION_VALUE, error::wraps_a_layer_of_one_input<Add>>>);
// An option mistake is the wrapped layer's, whatever the input.
static_assert(std::is_same_v<decltype(TimeDistributed<Dense<0>>::infer(Shape<10, 16>{})),
                             decltype(Dense<0>::infer(Shape<16>{}))>);

// The summary: Keras' row, the wrapped layer's parameters; the wrapped layer takes a name of its own.
using Summarized = Sequential<Input<10, 16>, TimeDistributed<Dense<8, ReLU>>, Dense<3>>;
static_assert(summary<Summarized>().rows[0].name == "time_distributed");
static_assert(summary<Summarized>().rows[0].class_name == "TimeDistributed");
static_assert(summary<Summarized>().rows[0].output_shape == "(None, 10, 8)");
static_assert(summary<Summarized>().rows[0].params == 16 * 8 + 8);
static_assert(summary<Summarized>().rows[1].name == "dense_1");
static_assert(summary<Summarized>().total_params == 136 + 27);
using Video = Sequential<Input<3, 7, 6, 2>, TimeDistributed<Conv2D<4, Kernel<3>, ReLU>>, TimeDistributed<MaxPooling2D<>>,
                         TimeDistributed<Flatten>>;
static_assert(summary<Video>().rows[0].output_shape == "(None, 3, 5, 4, 4)");
static_assert(summary<Video>().rows[1].name == "time_distributed_1");
static_assert(summary<Video>().rows[2].output_shape == "(None, 3, 16)");
static_assert(summary<Video>().rows[0].params == 3 * 3 * 2 * 4 + 4);
static_assert(Sequential<Input<5, 4>, TimeDistributed<BatchNormalization>>::non_trainable_count == 8);

namespace {

template <class Net>
std::vector<std::string> weight_names(Net& net) {
  std::vector<std::string> out;
  for_each_weight(net, [&](const weight_ref& w) { out.emplace_back(w.name.view()); });
  return out;
}

}  // namespace

TEST_CASE("TimeDistributed: weights named under the wrapper, as tf.keras 2 names them", "[layers][time_distributed]") {
  auto net = make_model<Summarized>();
  CHECK(weight_names(net) == std::vector<std::string>{"time_distributed/kernel", "time_distributed/bias", "dense_1/kernel",
                                                      "dense_1/bias"});
  // The wrapped layer, with its own accessors and Keras' layout.
  CHECK(layer<0>(net).layer().kernel().extent(0) == 16);
  CHECK(layer<0>(net).layer().kernel().extent(1) == 8);
  auto bn = make_model<Sequential<Input<5, 4>, TimeDistributed<BatchNormalization>>>();
  CHECK(weight_names(bn) == std::vector<std::string>{"time_distributed/gamma", "time_distributed/beta",
                                                     "time_distributed/moving_mean", "time_distributed/moving_variance"});
  // set_weights and flat_weights go through the wrapped layer's arrays.
  std::vector<float> values(static_cast<std::size_t>(Summarized::param_count));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  set_weights(net, values);
  CHECK(layer<0>(net).layer().kernel()(1, 0) == 8.0f);
  CHECK(flat_weights(net) == values);
}

TEST_CASE("TimeDistributed: matches PyTorch's layers on the (N*T, ...) reshape", "[layers][time_distributed]") {
  const tshape_test::reference ref("time_distributed.txt");
  {
    auto net = make_model<Sequential<Input<5, 7>, TimeDistributed<Dense<4, Tanh>>>>();
    ref.copy_to("dense.kernel", layer<0>(net).layer().kernel());
    ref.copy_to("dense.bias", layer<0>(net).layer().bias());
    Tensor<float, Shape<3, 5, 7>> x;
    ref.copy_to("dense.x", x);
    tshape_test::require_close(net(x), ref["dense.y"].values, 1e-5, 1e-6);
  }
  {
    auto net = make_model<Video>();
    ref.copy_to("video.kernel", layer<0>(net).layer().kernel());
    ref.copy_to("video.bias", layer<0>(net).layer().bias());
    Tensor<float, Shape<2, 3, 7, 6, 2>> x;
    ref.copy_to("video.x", x);
    const auto y = net(x);
    static_assert(std::is_same_v<typename std::remove_cvref_t<decltype(y)>::shape, Shape<2, 3, 16>>);
    tshape_test::require_close(y, ref["video.y"].values, 1e-5, 1e-5);
  }
  {  // batch 1, one timestep
    auto net = make_model<Sequential<Input<1, 5>, TimeDistributed<Dense<3>>>>();
    ref.copy_to("single.kernel", layer<0>(net).layer().kernel());
    ref.copy_to("single.bias", layer<0>(net).layer().bias());
    Tensor<float, Shape<1, 1, 5>> x;
    ref.copy_to("single.x", x);
    tshape_test::require_close(net(x), ref["single.y"].values, 1e-5, 1e-6);
  }
}

TEST_CASE("TimeDistributed: each timestep as the wrapped layer alone on it", "[layers][time_distributed]") {
  // A Conv2D on every frame of a video equals the Conv2D on that frame as its own image.
  using Frames = Sequential<Input<4, 9, 7, 3>, TimeDistributed<Conv2D<5, Kernel<3, 2>, Strides<2>, Padding::same>>>;
  using Frame = Sequential<Input<9, 7, 3>, Conv2D<5, Kernel<3, 2>, Strides<2>, Padding::same>>;
  auto frames = make_model<Frames>(3);
  auto frame = make_model<Frame>();
  set_weights(frame, flat_weights(frames));
  tshape_test::random_floats rnd(5);
  Tensor<float, Shape<2, 4, 9, 7, 3>> x;
  rnd.fill(x);
  const auto y = frames(x);
  constexpr std::ptrdiff_t in = 9 * 7 * 3, out = 5 * 4 * 5;
  for (int n = 0; n < 2; ++n)
    for (int t = 0; t < 4; ++t) {
      Tensor<float, Shape<1, 9, 7, 3>> one;
      std::copy_n(x.data() + (n * 4 + t) * in, in, one.data());
      const auto z = frame(one);
      std::vector<float> got(y.data() + (n * 4 + t) * out, y.data() + (n * 4 + t + 1) * out);
      tshape_test::require_close(got, z, 1e-6, 1e-6);
    }
}

TEST_CASE("TimeDistributed(Dense) equals Dense on the last axis, as in Keras", "[layers][time_distributed]") {
  using Wrapped = Sequential<Input<7, 5>, TimeDistributed<Dense<6, Sigmoid>>, TimeDistributed<Dense<2>>>;
  using Plain = Sequential<Input<7, 5>, Dense<6, Sigmoid>, Dense<2>>;
  auto wrapped = make_model<Wrapped>(11);
  auto plain = make_model<Plain>();
  set_weights(plain, flat_weights(wrapped));
  tshape_test::random_floats rnd(9);
  Tensor<float, Shape<3, 7, 5>> x;
  rnd.fill(x);
  tshape_test::require_close(wrapped(x), plain(x), 1e-6, 1e-7);
  // In training too (BatchNormalization's batch statistics are over all N*T timesteps, as Keras').
  using WrappedBN = Sequential<Input<7, 5>, TimeDistributed<BatchNormalization>, TimeDistributed<Dense<3, Tanh>>>;
  using PlainBN = Sequential<Input<7, 5>, BatchNormalization, Dense<3, Tanh>>;
  auto wbn = make_model<WrappedBN>(4);
  auto pbn = make_model<PlainBN>();
  set_weights(pbn, flat_weights(wbn));
  std::vector<float> yw(3 * 7 * 3), yp(3 * 7 * 3);
  std::vector<float> sw(WrappedBN::saved_floats(3) + 16), sp(PlainBN::saved_floats(3) + 16);
  std::vector<float> scw(std::max(WrappedBN::arena_floats(3), WrappedBN::backward_scratch_floats(3)) + 16);
  std::vector<float> scp(std::max(PlainBN::arena_floats(3), PlainBN::backward_scratch_floats(3)) + 16);
  train_context ctx;
  wbn->forward_train(x.data(), yw.data(), 3, sw.data(), scw.data(), ctx);
  pbn->forward_train(x.data(), yp.data(), 3, sp.data(), scp.data(), ctx);
  tshape_test::require_close(yw, yp, 1e-6, 1e-7);
  // The moving statistics moved alike.
  tshape_test::require_close(flat_weights(wbn), flat_weights(pbn), 1e-6, 1e-7);
}

TEST_CASE("TimeDistributed: gradients of the wrapped layers against finite differences", "[layers][time_distributed][train]") {
  using tshape_test::check_gradients;
  check_gradients<Sequential<Input<5, 7>, TimeDistributed<Dense<4, Tanh>>>>(3);
  check_gradients<Sequential<Input<1, 3>, TimeDistributed<Dense<2>>>>(1);
  // Behind a convolution a max pool's window holds values close together: a smaller step keeps each
  // window's maximum in place (as conv_backward_test does).
  tshape_test::gradient_check_options fine;
  fine.eps = 1e-3;
  fine.tolerance = 5e-3;
  check_gradients<Sequential<Input<3, 7, 6, 2>, TimeDistributed<Conv2D<3, Kernel<3>, Tanh>>, TimeDistributed<MaxPooling2D<>>,
                             TimeDistributed<Flatten>, TimeDistributed<Dense<2>>>>(2, fine);
  check_gradients<Sequential<Input<4, 6>, TimeDistributed<BatchNormalization>, TimeDistributed<Dense<3, Sigmoid>>>>(2);
  check_gradients<Sequential<Input<4, 6>, TimeDistributed<Dropout<Rate<1, 2>>>, TimeDistributed<ELU>,
                             TimeDistributed<Softmax>>>(2);
  check_gradients<Sequential<Input<2, 5, 3>, TimeDistributed<AveragePooling1D<>>, TimeDistributed<GlobalMaxPooling1D>>>(3);
}

TEST_CASE("TimeDistributed: a frozen layer adds no gradient, a null dx is skipped", "[layers][time_distributed][train]") {
  using Net = Sequential<Input<3, 4>, TimeDistributed<Dense<2>>>;
  auto net = make_model<Net>(2);
  auto grad = std::make_unique<Net>();
  for_each_weight(*grad, [](const weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });
  tshape_test::random_floats rnd(3);
  std::vector<float> x(2 * 3 * 4), y(2 * 3 * 2), dy(2 * 3 * 2, 1.0f);
  rnd.fill(x);
  std::vector<float> saved(Net::saved_floats(2) + 16), scratch(std::max(Net::arena_floats(2), Net::backward_scratch_floats(2)) + 16);
  train_context ctx;
  net->forward_train(x.data(), y.data(), 2, saved.data(), scratch.data(), ctx);
  ctx.trainable = false;
  net->backward(x.data(), y.data(), dy.data(), nullptr, 2, saved.data(), scratch.data(), *grad, ctx);
  for (float v : flat_weights(*grad)) CHECK(v == 0.0f);
  // Trainable: the kernel's gradient is the sum over every sample and timestep.
  ctx.trainable = true;
  net->backward(x.data(), y.data(), dy.data(), nullptr, 2, saved.data(), scratch.data(), *grad, ctx);
  float sum = 0.0f;
  for (int r = 0; r < 6; ++r) sum += x[static_cast<std::size_t>(r) * 4];
  CHECK(layer<0>(*grad).layer().kernel()(0, 0) == Approx(sum));
  CHECK(layer<0>(*grad).layer().bias()(1) == Approx(6.0f));
}

TEST_CASE("TimeDistributed: a sequence classifier with Softmax on every step trains on the cached logits",
          "[layers][time_distributed][train]") {
  using Net = Sequential<Input<6, 3>, TimeDistributed<Dense<8, Tanh>>, TimeDistributed<Dense<2, Softmax>>>;
  static_assert(Net::has_logits);
  static_assert(detail::reads_cached_logits<Net, CategoricalCrossentropy>());
  // Each step's class is whether its first feature is positive.
  tshape_test::random_floats rnd(4);
  Tensor<float, Shape<32, 6, 3>> x;
  Tensor<float, Shape<32, 6, 2>> y;
  rnd.fill(x);
  for (int n = 0; n < 32; ++n)
    for (int t = 0; t < 6; ++t) {
      const bool positive = x(n, t, 0) > 0.0f;
      y(n, t, 0) = positive ? 1.0f : 0.0f;
      y(n, t, 1) = positive ? 0.0f : 1.0f;
    }
  auto net = make_model<Net>(1);
  auto trainer = make_trainer(net, CategoricalCrossentropy{}, Adam{.learning_rate = 0.05f});
  float first = 0.0f, last = 0.0f;
  for (int epoch = 0; epoch < 60; ++epoch) {
    last = trainer.step(x, y);
    if (epoch == 0) first = last;
  }
  CHECK(last < 0.3f * first);
}

// In a functional model, as Keras' TimeDistributed(Dense(3))(x).
constexpr auto clip = Input<4, 6>{};
constexpr auto steps = TimeDistributed<Dense<3, ReLU>>{}(clip);
constexpr auto both = Add{}(steps, TimeDistributed<Dense<3>>{}(clip));
using Graph = decltype(model(clip, TimeDistributed<Dense<2>>{}(both)));
static_assert(std::is_same_v<Graph::output_shape, Shape<4, 2>>);

TEST_CASE("TimeDistributed: in a functional model, its plot label and its summary row", "[layers][time_distributed]") {
  auto graph = make_model<Graph>(5);
  std::vector<std::string> names = weight_names(graph);
  CHECK(names == std::vector<std::string>{"time_distributed/kernel", "time_distributed/bias", "time_distributed_1/kernel",
                                          "time_distributed_1/bias", "time_distributed_2/kernel", "time_distributed_2/bias"});
  // The functional model equals the same layers run by hand on each timestep.
  using A = Sequential<Input<4, 6>, Dense<3, ReLU>>;
  using B = Sequential<Input<4, 6>, Dense<3>>;
  using C = Sequential<Input<4, 3>, Dense<2>>;
  auto a = make_model<A>();
  auto b = make_model<B>();
  auto c = make_model<C>();
  const auto w = flat_weights(graph);
  set_weights(a, std::span<const float>(w.data(), 6 * 3 + 3));
  set_weights(b, std::span<const float>(w.data() + 21, 6 * 3 + 3));
  set_weights(c, std::span<const float>(w.data() + 42, 3 * 2 + 2));
  tshape_test::random_floats rnd(12);
  Tensor<float, Shape<2, 4, 6>> x;
  rnd.fill(x);
  auto ya = a(x);
  auto yb = b(x);
  Tensor<float, Shape<2, 4, 3>> sum;
  for (std::ptrdiff_t i = 0; i < sum.size(); ++i) sum.data()[i] = ya.data()[i] + yb.data()[i];
  tshape_test::require_close(graph(x), c(sum), 1e-5, 1e-6);

  // Keras' plot_model labels a wrapper with what it wraps.
  const std::string dot = to_dot<Summarized>();
  CHECK(dot.find("\"time_distributed(dense)\" [label=\"time_distributed(dense): TimeDistributed(Dense)\\n|{input:|output:}|"
                 "{{(None, 10, 16)}|{(None, 10, 8)}}\"]") != std::string::npos);
  std::ostringstream text;
  print_summary<Summarized>(text);
  CHECK(text.str().find("time_distributed (TimeDistri (None, 10, 8)             136       \n") != std::string::npos);
}

TEST_CASE("TimeDistributed: a stream runs each frame through the wrapped layers", "[layers][time_distributed][stream]") {
  // Video frames through a convolution, pooled, flattened and read by an LSTM, one frame at a time.
  constexpr int T = 5;
  using Net = Sequential<Input<T, 6, 8, 2>, TimeDistributed<Conv2D<3, Kernel<3>, ReLU>>, TimeDistributed<MaxPooling2D<>>, TimeDistributed<Flatten>,
                         TimeDistributed<Dense<5, Tanh>>, LSTM<3, ReturnSequences>, TimeDistributed<Dense<2>>>;
  auto net = make_model<Net>(8);
  tshape_test::random_floats rnd(13);
  Tensor<float, Shape<1, T, 6, 8, 2>> x;
  rnd.fill(x);
  const auto whole = net(x);
  auto stream = make_stream(net);
  static_assert(std::is_same_v<decltype(stream)::frame_shape, Shape<6, 8, 2>>);
  for (int t = 0; t < T; ++t) {
    Tensor<float, Shape<6, 8, 2>> frame;
    std::copy_n(x.data() + t * 96, 96, frame.data());
    const Tensor<float, Shape<2>> y = stream(frame);
    INFO("frame " << t);
    tshape_test::require_close(y, std::vector<float>(whole.data() + t * 2, whole.data() + t * 2 + 2), 1e-5, 1e-6);
  }
}

TEST_CASE("TimeDistributed: two streams side by side, each frame through a convolution", "[layers][time_distributed][stream]") {
  constexpr int T = 4;
  using Net = Sequential<Input<T, 5, 5, 3>, TimeDistributed<Conv2D<4, Kernel<3>, Padding::same, Tanh>>,
                         TimeDistributed<GlobalAveragePooling2D>, GRU<3, ReturnSequences>>;
  auto net = make_model<Net>(2);
  tshape_test::random_floats rnd(21);
  Tensor<float, Shape<2, T, 5, 5, 3>> x;
  rnd.fill(x);
  const auto whole = net(x);
  auto stream = make_stream<2>(net);
  constexpr std::ptrdiff_t frame = 5 * 5 * 3;
  for (int t = 0; t < T; ++t) {
    Tensor<float, Shape<2, 5, 5, 3>> frames;
    for (int b = 0; b < 2; ++b) std::copy_n(x.data() + (b * T + t) * frame, frame, frames.data() + b * frame);
    const Tensor<float, Shape<2, 3>> y = stream(frames);
    INFO("frame " << t);
    for (int b = 0; b < 2; ++b)
      tshape_test::require_close(std::vector<float>(y.data() + b * 3, y.data() + b * 3 + 3),
                                 std::vector<float>(whole.data() + (b * T + t) * 3, whole.data() + (b * T + t) * 3 + 3), 1e-5, 1e-6);
  }
}

// A whole model built by the compiler from its weights, as every layer allows (model/weights.hpp).
using Flash = Sequential<Input<2, 3>, TimeDistributed<Dense<2>>, PositionEmbedding<4>>;
constexpr float flash_values[] = {1, 2, 3, 4, 5, 6, 0.5f, -0.5f, 1, 2, 3, 4, 5, 6, 7, 8};
constexpr Flash flash = from_weights<Flash>(flash_values);
static_assert(layer<0>(flash).layer().kernel()(2, 1) == 6.0f);
static_assert(layer<0>(flash).layer().bias()(1) == -0.5f);
static_assert(layer<1>(flash).embeddings()(3, 1) == 8.0f);
