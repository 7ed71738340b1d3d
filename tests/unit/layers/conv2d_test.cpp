#include <tshape/tshape.hpp>

#include <cmath>
#include <sstream>
#include <string>

#include "../support.hpp"

using namespace tshape;

// Output shapes (keras-semantics.md section 2): valid drops, same is ceil(in / stride).
static_assert(std::is_same_v<decltype(Conv2D<32, Kernel<3, 3>>::infer(Shape<32, 32, 1>{})), Shape<30, 30, 32>>);
static_assert(std::is_same_v<decltype(Conv2D<8, Kernel<3>, Padding::same>::infer(Shape<20, 20, 1>{})), Shape<20, 20, 8>>);
static_assert(std::is_same_v<decltype(Conv2D<8, Kernel<3>, Strides<2>, Padding::same>::infer(Shape<8, 7, 3>{})),
                             Shape<4, 4, 8>>);
static_assert(std::is_same_v<decltype(Conv2D<4, Kernel<3, 2>, Strides<2, 1>>::infer(Shape<9, 6, 3>{})), Shape<4, 5, 4>>);
static_assert(std::is_same_v<decltype(Conv2D<4, Kernel<3>, DilationRate<2>>::infer(Shape<9, 6, 3>{})), Shape<5, 2, 4>>);
static_assert(std::is_same_v<decltype(Conv1D<16, Kernel<5>>::infer(Shape<30, 8>{})), Shape<26, 16>>);
static_assert(std::is_same_v<decltype(Conv1D<16, Kernel<4>, Strides<2>, Padding::same>::infer(Shape<9, 8>{})),
                             Shape<5, 16>>);
// Keras' defaults: valid, stride 1, linear, a bias; options in any order.
static_assert(!Conv2D<8, Kernel<3>>::opts::same && Conv2D<8, Kernel<3>>::opts::sh == 1);
static_assert(std::is_same_v<Conv2D<8, Kernel<3>>::activation, Linear>);
static_assert(std::is_same_v<Conv2D<8, ReLU, Padding::same, Kernel<3>>::activation, ReLU>);
static_assert(Conv2D<32, Kernel<3, 3>>::bind<Shape<20, 20, 1>>::param_count == 320);
static_assert(Conv2D<64, Kernel<3, 3>>::bind<Shape<10, 10, 32>>::param_count == 18'496);
static_assert(Conv2D<64, Kernel<3, 3>, UseBias<false>>::bind<Shape<10, 10, 32>>::param_count == 18'432);
static_assert(Conv1D<16, Kernel<5>>::bind<Shape<30, 8>>::param_count == 5 * 8 * 16 + 16);
static_assert(std::is_same_v<decltype(std::declval<Conv1D<16, Kernel<5>>::bind<Shape<30, 8>>&>().kernel()),
                             TensorView<float, Shape<5, 8, 16>>>);
// The rules: rank, and a 'valid' window that does not fit.
static_assert(std::is_same_v<decltype(Conv2D<32, Kernel<3>>::infer(Shape<28, 28>{})),
                             mismatch<error::WRONG_RANK, error::expected_rank<3>, error::but_got_shape<error::None, 28, 28>,
                                      error::fix_with_layer_before_it<Reshape<28, 28, 1>>>>);
static_assert(is_mismatch_v<decltype(Conv2D<32, Kernel<3>>::infer(Shape<1, 28, 28, 1>{}))>);
static_assert(is_mismatch_v<decltype(Conv1D<32, Kernel<3>>::infer(Shape<28>{}))>);
static_assert(std::is_same_v<decltype(Conv2D<32, Kernel<5>>::infer(Shape<4, 9, 1>{})),
                             mismatch<error::WINDOW_LARGER_THAN_INPUT, error::window<5, 5>, error::input_extent<4, 9>,
                                      error::but_got_shape<error::None, 4, 9, 1>>>);
static_assert(is_mismatch_v<decltype(Conv2D<32, Kernel<3>, DilationRate<2>>::infer(Shape<4, 9, 1>{}))>);
static_assert(std::is_same_v<decltype(Conv2D<32, Kernel<5>, Padding::same>::infer(Shape<4, 9, 1>{})), Shape<4, 9, 32>>);

// Design section 1: the reference CNN.
using Cnn = Sequential<Input<20, 20, 1>, Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<Pool<2, 2>>,
                       Conv2D<64, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<Pool<2, 2>>, GlobalAveragePooling2D,
                       Dense<1, Sigmoid>>;
static_assert(std::is_same_v<Cnn::output_shape, Shape<1>>);
static_assert(Cnn::param_count == 18'881);

// Seed 002: 20x20x1 images, Conv2D(32, (3, 3), activation='relu', padding='same'), MaxPooling2D((2, 2)),
// Conv2D(64, (3, 3), activation='relu', padding='same'), MaxPooling2D((2, 2)), and a head for one output.
// Without a head that collapses the (5, 5, 64) maps, a Dense applies to the last axis, as Keras does:
// the output is (None, 5, 5, 1), not the (None, 1) the labels have.
using Seed002 = Sequential<Input<20, 20, 1>, Conv2D<32, Kernel<3, 3>, ReLU, Padding::same>, MaxPooling2D<Pool<2, 2>>,
                           Conv2D<64, Kernel<3, 3>, ReLU, Padding::same>, MaxPooling2D<Pool<2, 2>>, Dense<1, Sigmoid>>;
static_assert(std::is_same_v<Seed002::output_shape, Shape<5, 5, 1>>);
// The seed's corrected CNNs, layer for layer: GlobalAveragePooling2D, or Flatten then Dense(64, relu),
// before Dense(1, sigmoid).
using Seed002Gap = Sequential<Input<20, 20, 1>, Conv2D<32, Kernel<3, 3>, ReLU, Padding::same>, MaxPooling2D<Pool<2, 2>>,
                              Conv2D<64, Kernel<3, 3>, ReLU, Padding::same>, MaxPooling2D<Pool<2, 2>>,
                              GlobalAveragePooling2D, Dense<1, Sigmoid>>;
static_assert(std::is_same_v<Seed002Gap::output_shape, Shape<1>>);
static_assert(Seed002Gap::param_count == 18'881);
using Seed002Flatten = Sequential<Input<20, 20, 1>, Conv2D<32, Kernel<3, 3>, ReLU, Padding::same>,
                                  MaxPooling2D<Pool<2, 2>>, Conv2D<64, Kernel<3, 3>, ReLU, Padding::same>,
                                  MaxPooling2D<Pool<2, 2>>, Flatten, Dense<64, ReLU>, Dense<1, Sigmoid>>;
static_assert(std::is_same_v<Seed002Flatten::shape_at<4>, Shape<5, 5, 64>>);
static_assert(std::is_same_v<Seed002Flatten::shape_at<5>, Shape<5 * 5 * 64>>);
static_assert(std::is_same_v<Seed002Flatten::output_shape, Shape<1>>);
// Keras' counts: Conv2D kh*kw*cin*f + f, Dense in*u + u; pooling and Flatten have none.
static_assert(Seed002Flatten::param_count ==
              (3 * 3 * 1 * 32 + 32) + (3 * 3 * 32 * 64 + 64) + (1600 * 64 + 64) + (64 * 1 + 1));
static_assert(Seed002Flatten::param_count == 121'345);
constexpr auto seed002_flatten = summary<Seed002Flatten>();
static_assert(seed002_flatten.rows.size() == 7);
static_assert(seed002_flatten.rows[4].name == "flatten" && seed002_flatten.rows[4].class_name == "Flatten");
static_assert(seed002_flatten.rows[4].output_shape == "(None, 1600)" && seed002_flatten.rows[4].params == 0);
static_assert(seed002_flatten.rows[5].name == "dense" && seed002_flatten.rows[5].params == 102'464);
static_assert(seed002_flatten.rows[6].name == "dense_1" && seed002_flatten.rows[6].output_shape == "(None, 1)");
static_assert(seed002_flatten.total_params == 121'345 && seed002_flatten.non_trainable_params == 0);

TEST_CASE("Conv2D: the design's CNN prints Keras' classic summary", "[layers][conv2d][summary]") {
  std::ostringstream os;
  print_summary<Cnn>(os);
  const std::string expected =
      "Model: \"sequential\"\n"
      "_________________________________________________________________\n"
      "Layer (type)                 Output Shape              Param #   \n"
      "=================================================================\n"
      "conv2d (Conv2D)              (None, 20, 20, 32)        320       \n"
      "_________________________________________________________________\n"
      "max_pooling2d (MaxPooling2D) (None, 10, 10, 32)        0         \n"
      "_________________________________________________________________\n"
      "conv2d_1 (Conv2D)            (None, 10, 10, 64)        18496     \n"
      "_________________________________________________________________\n"
      "max_pooling2d_1 (MaxPooling2 (None, 5, 5, 64)          0         \n"
      "_________________________________________________________________\n"
      "global_average_pooling2d (Gl (None, 64)                0         \n"
      "_________________________________________________________________\n"
      "dense (Dense)                (None, 1)                 65        \n"
      "=================================================================\n"
      "Total params: 18,881\n"
      "Trainable params: 18,881\n"
      "Non-trainable params: 0\n"
      "_________________________________________________________________\n";
  CHECK(os.str() == expected);
}

TEST_CASE("Conv2D: runs the design's CNN on static and dyn batches", "[layers][conv2d]") {
  auto net = make_model<Cnn>(3);
  Tensor<float, Shape<4, 20, 20, 1>> x;
  tshape_test::random_floats rnd(2);
  rnd.fill(x);
  Tensor<float, Shape<4, 1>> y = net(x);
  for (float v : y) CHECK((v > 0.0f && v < 1.0f));
  Tensor<float, Shape<dyn, 20, 20, 1>> xd{TensorView<const float, Shape<dyn, 20, 20, 1>>(x)};
  tshape_test::require_close(net(xd), y, 0, 0);
  auto w = weights(net);
  REQUIRE(w.size() == 6);
  CHECK(std::string(w[0].name.view()) == "conv2d/kernel");
  CHECK((w[0].rank == 4 && w[0].extents[0] == 3 && w[0].extents[2] == 1 && w[0].extents[3] == 32));
  CHECK(std::string(w[3].name.view()) == "conv2d_1/bias");
}

TEST_CASE("Conv2D: seed 002's corrected Flatten CNN prints Keras' classic summary", "[layers][conv2d][summary]") {
  std::ostringstream os;
  print_summary<Seed002Flatten>(os);
  const std::string expected =
      "Model: \"sequential\"\n"
      "_________________________________________________________________\n"
      "Layer (type)                 Output Shape              Param #   \n"
      "=================================================================\n"
      "conv2d (Conv2D)              (None, 20, 20, 32)        320       \n"
      "_________________________________________________________________\n"
      "max_pooling2d (MaxPooling2D) (None, 10, 10, 32)        0         \n"
      "_________________________________________________________________\n"
      "conv2d_1 (Conv2D)            (None, 10, 10, 64)        18496     \n"
      "_________________________________________________________________\n"
      "max_pooling2d_1 (MaxPooling2 (None, 5, 5, 64)          0         \n"
      "_________________________________________________________________\n"
      "flatten (Flatten)            (None, 1600)              0         \n"
      "_________________________________________________________________\n"
      "dense (Dense)                (None, 64)                102464    \n"
      "_________________________________________________________________\n"
      "dense_1 (Dense)              (None, 1)                 65        \n"
      "=================================================================\n"
      "Total params: 121,345\n"
      "Trainable params: 121,345\n"
      "Non-trainable params: 0\n"
      "_________________________________________________________________\n";
  CHECK(os.str() == expected);
}

TEST_CASE("Conv2D: seed 002's corrected CNNs run on the seed's batch of 32", "[layers][conv2d]") {
  auto gap = make_model<Seed002Gap>(1);
  auto flat = make_model<Seed002Flatten>(1);
  Tensor<float, Shape<dyn, 20, 20, 1>> x(32);
  tshape_test::random_floats rnd(4);
  rnd.fill(x);
  auto a = gap(x);
  auto b = flat(x);
  static_assert(std::is_same_v<decltype(b), Tensor<float, Shape<dyn, 1>>>);
  REQUIRE((a.extent(0) == 32 && a.extent(1) == 1 && b.extent(0) == 32 && b.extent(1) == 1));
  for (float v : a) CHECK((v > 0.0f && v < 1.0f));
  for (float v : b) CHECK((v > 0.0f && v < 1.0f));
}

TEST_CASE("Conv2D: seed 002's CNN without a head: the summary shows the (5, 5, 1) output of Dense",
          "[layers][conv2d][summary]") {
  std::ostringstream os;
  print_summary<Seed002>(os);
  CHECK_THAT(os.str(), Catch::Contains("dense (Dense)                (None, 5, 5, 1)           65        \n"));
  auto net = make_model<Seed002>();
  Tensor<float, Shape<dyn, 20, 20, 1>> x(32);
  auto y = net(x);
  static_assert(std::is_same_v<decltype(y), Tensor<float, Shape<dyn, 5, 5, 1>>>);
  CHECK((y.extent(0) == 32 && y.extent(1) == 5 && y.extent(2) == 5 && y.extent(3) == 1));
}

namespace {
// Runs a one-layer model on reference case `name` (x, kernel, bias -> y) of conv.txt.
template <class Layer, class In, class X>
void check_conv(const std::string& name) {
  INFO(name);
  tshape_test::reference ref("conv.txt");
  using Net = Sequential<In, Layer>;
  auto net = make_model<Net>();
  ref.copy_to(name + ".kernel", layer<0>(net).kernel());
  ref.copy_to(name + ".bias", layer<0>(net).bias());
  X x;
  ref.copy_to(name + ".x", x);
  tshape_test::require_close(net(x), ref[name + ".y"].values, 1e-5, 1e-5);
}
}  // namespace

TEST_CASE("Conv2D: matches PyTorch with TensorFlow's padding", "[layers][conv2d]") {
  check_conv<Conv2D<5, Kernel<3, 3>, Padding::same>, Input<7, 9, 3>, Tensor<float, Shape<2, 7, 9, 3>>>("conv_same");
  check_conv<Conv2D<4, Kernel<3, 2>>, Input<8, 7, 2>, Tensor<float, Shape<2, 8, 7, 2>>>("conv_valid");
  check_conv<Conv2D<4, Kernel<3>, Strides<2>, Padding::same>, Input<8, 8, 3>, Tensor<float, Shape<1, 8, 8, 3>>>(
      "conv_s2_even");
  check_conv<Conv2D<4, Kernel<3>, Strides<2>, Padding::same>, Input<7, 7, 3>, Tensor<float, Shape<1, 7, 7, 3>>>(
      "conv_s2_odd");
  check_conv<Conv2D<3, Kernel<3>, DilationRate<2>, Padding::same>, Input<9, 10, 2>, Tensor<float, Shape<1, 9, 10, 2>>>(
      "conv_dilated");
  check_conv<Conv2D<3, Kernel<4>, Strides<2>, Padding::same>, Input<9, 9, 2>, Tensor<float, Shape<1, 9, 9, 2>>>(
      "conv_even");
  check_conv<Conv2D<3, Kernel<2>, Padding::same>, Input<5, 6, 2>, Tensor<float, Shape<1, 5, 6, 2>>>("conv_even_s1");
}

namespace {
// The same for a layer without a bias: Keras' get_weights() then holds the kernel alone.
template <class Layer, class In, class X>
void check_conv_without_bias(const std::string& name) {
  INFO(name);
  tshape_test::reference ref("conv.txt");
  using Net = Sequential<In, Layer>;
  auto net = make_model<Net>();
  static_assert(!Layer::use_bias && !requires { layer<0>(net).bias(); });
  REQUIRE(weights(net).size() == 1);
  ref.copy_to(name + ".kernel", layer<0>(net).kernel());
  X x;
  ref.copy_to(name + ".x", x);
  tshape_test::require_close(net(x), ref[name + ".y"].values, 1e-5, 1e-5);
}
}  // namespace

TEST_CASE("Conv2D: UseBias<false> matches PyTorch without a bias, on each kernel path", "[layers][conv2d]") {
  check_conv_without_bias<Conv2D<7, Kernel<3>, Strides<2>, Padding::same, UseBias<false>>, Input<8, 8, 6>,
                          Tensor<float, Shape<2, 8, 8, 6>>>("conv_nobias");
  check_conv_without_bias<Conv2D<5, UseBias<false>, Kernel<3>, Padding::same>, Input<7, 6, 2>,
                          Tensor<float, Shape<1, 7, 6, 2>>>("conv_nobias_first");
  check_conv_without_bias<Conv2D<11, Kernel<1>, UseBias<false>>, Input<5, 6, 9>, Tensor<float, Shape<2, 5, 6, 9>>>(
      "conv1x1_nobias");
  using kernels::conv::conv_path;
  using kernels::conv::path_of;
  CHECK(path_of(kernels::make_geometry(8, 8, 6, 3, 3, 2, 2, 1, 1, true, 7)) == conv_path::channel_rich);
  CHECK(path_of(kernels::make_geometry(7, 6, 2, 3, 3, 1, 1, 1, 1, true, 5)) == conv_path::first_layer);
  CHECK(path_of(kernels::make_geometry(5, 6, 9, 1, 1, 1, 1, 1, 1, false, 11)) == conv_path::pointwise);
}

TEST_CASE("Conv1D: matches PyTorch", "[layers][conv1d]") {
  check_conv<Conv1D<5, Kernel<4>, Strides<2>, Padding::same>, Input<11, 3>, Tensor<float, Shape<2, 11, 3>>>(
      "conv1d_same");
  check_conv<Conv1D<5, Kernel<3>, DilationRate<2>>, Input<11, 3>, Tensor<float, Shape<2, 11, 3>>>("conv1d_valid");
}

namespace {
// The design's CNN's weights from conv.txt into a model that shares its layers 0-4 (and, with Head, its
// Dense, layer 5).
template <bool Head, class Net>
void load_cnn(Net& net, const tshape_test::reference& ref) {
  ref.copy_to("cnn.conv2d.kernel", layer<0>(net).kernel());
  ref.copy_to("cnn.conv2d.bias", layer<0>(net).bias());
  ref.copy_to("cnn.conv2d_1.kernel", layer<2>(net).kernel());
  ref.copy_to("cnn.conv2d_1.bias", layer<2>(net).bias());
  if constexpr (Head) {
    ref.copy_to("cnn.dense.kernel", layer<5>(net).kernel());
    ref.copy_to("cnn.dense.bias", layer<5>(net).bias());
  }
}
}  // namespace

TEST_CASE("Conv2D: the design's CNN matches PyTorch end to end", "[layers][conv2d]") {
  tshape_test::reference ref("conv.txt");
  Tensor<float, Shape<dyn, 20, 20, 1>> x(3);
  ref.copy_to("cnn.x", x);
  auto net = make_model<Cnn>();
  load_cnn<true>(*net, ref);
  tshape_test::require_close(net(x), ref["cnn.y"].values, 1e-5, 1e-6);
  // The outputs sit near 0.94, where the sigmoid is flat (slope 0.06): a tolerance there lets the
  // logits be off 16 times as much. So check what feeds it too: the convolution stack's pooled
  // features, and the same net with a linear head (the logits).
  using Features = Sequential<Input<20, 20, 1>, Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<Pool<2, 2>>,
                              Conv2D<64, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<Pool<2, 2>>,
                              GlobalAveragePooling2D>;
  using Logits = Sequential<Input<20, 20, 1>, Conv2D<32, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<Pool<2, 2>>,
                            Conv2D<64, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<Pool<2, 2>>,
                            GlobalAveragePooling2D, Dense<1>>;
  auto features = make_model<Features>();
  load_cnn<false>(*features, ref);
  tshape_test::require_close(features(x), ref["cnn.features"].values, 1e-5, 1e-6);
  auto logits = make_model<Logits>();
  load_cnn<true>(*logits, ref);
  tshape_test::require_close(logits(x), ref["cnn.logits"].values, 1e-6, 1e-6);
}

TEST_CASE("Conv2D: row-wise and scalar activations apply per pixel", "[layers][conv2d]") {
  auto net = make_model<Sequential<Input<5, 4, 3>, Conv2D<6, Kernel<3>, Padding::same, Softmax>>>(7);
  Tensor<float, Shape<2, 5, 4, 3>> x;
  tshape_test::random_floats rnd(8);
  rnd.fill(x);
  auto y = net(x);
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 4; ++j) {
        float s = 0;
        for (int o = 0; o < 6; ++o) s += y(n, i, j, o);
        CHECK(s == Approx(1.0f));
      }
  auto lin = make_model<Sequential<Input<9, 3>, Conv1D<5, Kernel<2>, Strides<2>>>>(3);
  auto sig = make_model<Sequential<Input<9, 3>, Conv1D<5, Kernel<2>, Strides<2>, Sigmoid>>>(3);
  Tensor<float, Shape<1, 9, 3>> s;
  rnd.fill(s);
  auto a = lin(s);
  auto b = sig(s);
  static_assert(std::is_same_v<decltype(a), Tensor<float, Shape<1, 4, 5>>>);
  for (int k = 0; k < 20; ++k) CHECK(b[k] == Approx(1.0f / (1.0f + std::exp(-a[k]))));
}
