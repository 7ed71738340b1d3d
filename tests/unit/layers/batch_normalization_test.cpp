#include <tshape/tshape.hpp>

#include <string>

#include "../support.hpp"

using namespace tshape;

static_assert(std::is_same_v<decltype(BatchNormalization::infer(Shape<4, 5>{})), Shape<4, 5>>);
static_assert(BatchNormalization::bind<Shape<10, 10, 32>>::param_count == 128);
static_assert(BatchNormalization::bind<Shape<10, 10, 32>>::non_trainable_count == 64);

using Net = Sequential<Input<4, 5>, BatchNormalization>;
static_assert(Net::param_count == 20 && Net::non_trainable_count == 10 && Net::trainable_count == 10);

TEST_CASE("BatchNormalization: matches PyTorch with Keras' epsilon 1e-3", "[layers][batch_normalization]") {
  tshape_test::reference ref("conv.txt");
  auto net = make_model<Net>();
  ref.copy_to("batchnorm.gamma", layer<0>(net).gamma());
  ref.copy_to("batchnorm.beta", layer<0>(net).beta());
  ref.copy_to("batchnorm.moving_mean", layer<0>(net).moving_mean());
  ref.copy_to("batchnorm.moving_variance", layer<0>(net).moving_variance());
  Tensor<float, Shape<3, 4, 5>> x;
  ref.copy_to("batchnorm.x", x);
  tshape_test::require_close(net(x), ref["batchnorm.y"].values, 1e-5, 1e-5);
}

TEST_CASE("BatchNormalization: Keras' weight order and initial values", "[layers][batch_normalization]") {
  using Cnn = Sequential<Input<6, 6, 1>, Conv2D<4, Kernel<3>>, BatchNormalization, ReLU>;
  auto net = make_model<Cnn>();
  auto w = weights(net);
  REQUIRE(w.size() == 6);
  CHECK(std::string(w[2].name.view()) == "batch_normalization/gamma");
  CHECK(std::string(w[3].name.view()) == "batch_normalization/beta");
  CHECK(std::string(w[4].name.view()) == "batch_normalization/moving_mean");
  CHECK(std::string(w[5].name.view()) == "batch_normalization/moving_variance");
  CHECK((w[2].values[0] == 1.0f && w[3].values[0] == 0.0f && w[4].values[0] == 0.0f && w[5].values[0] == 1.0f));
  constexpr auto s = summary<Cnn>();
  static_assert(s.total_params == 40 + 16 && s.non_trainable_params == 8 && s.trainable_params == 48);
}
