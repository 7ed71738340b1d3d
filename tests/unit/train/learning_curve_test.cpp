// Learning curves against tests/reference/training.txt (make_training.py): the same MLPs and CNN
// from the same weights, trained with trainer.step over the same batches in the same order, give Keras'
// per-epoch losses (batch losses weighted by batch size) for every optimizer and both clippings.
#include <tshape/tshape.hpp>
#include <tshape/train/trainer.hpp>

#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape;

namespace {

constexpr int samples = 36, batch_size = 8, epochs = 3, mlp_features = 20;

// As make_training.py: mlp_ce reads the cached logits of its softmax output (Keras' cross-entropy),
// mlp_mse a linear output.
using MlpCe = Sequential<Input<mlp_features>, Dense<16, ReLU>, Dense<3, Softmax>>;
using MlpMse = Sequential<Input<mlp_features>, Dense<12, Tanh>, Dense<4>>;
// BatchNormalization with the batch's statistics, its moving statistics compared after training. No
// bias before it: its gradient is zero but for rounding, which Adam's step would turn into a drift.
using MlpBn = Sequential<Input<mlp_features>, Dense<16, UseBias<false>>, BatchNormalization, ReLU, Dense<3, Softmax>>;
// A rank-3 sample: Keras 2's fused BatchNormalization, whose moving variance follows the unbiased one.
using BnFused = Sequential<Input<2, 2, 5>, BatchNormalization, Flatten, Dense<3, Softmax>>;

// Convolution, ReLU, max pooling and a flatten in Keras' NHWC order, on 6x6 images (cnn.x, cnn.labels).
using Cnn = Sequential<Input<6, 6, 1>, Conv2D<4, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<Pool<2, 2>>, Flatten,
                       Dense<3, Softmax>>;

/// The prefix of a model's data arrays: the MLPs share x, labels and targets; the CNN has its own.
std::string data_of(const std::string& model) { return model == "cnn" ? "cnn." : ""; }

template <class Net>
struct moving_statistics_at : std::integral_constant<int, -1> {};
template <>
struct moving_statistics_at<MlpBn> : std::integral_constant<int, 1> {};
template <>
struct moving_statistics_at<BnFused> : std::integral_constant<int, 0> {};

const tshape_test::reference& ref() {
  static const tshape_test::reference r("training.txt");
  return r;
}

template <class Net>
auto load(const std::string& model) {
  auto net = make_model<Net>();
  int i = 0;
  for_each_weight(net, [&](const weight_ref& w) { ref().copy_to(model + ".w" + std::to_string(i++), w.values); });
  return net;
}

/// One step on samples [b0, b0 + B) of the data set `data` (a prefix of the array names): class labels
/// for a cross-entropy, float targets otherwise.
template <int B, class Trainer>
float step(Trainer& t, const std::string& data, int b0) {
  using Loss = typename Trainer::loss_type;
  using Net = typename Trainer::model_type;
  constexpr int features = static_cast<int>(Net::input_shape::static_size);  // a sample's values, in any shape
  Tensor<float, prepend_t<B, typename Net::input_shape>> x;
  const auto& xs = ref()[data + "x"].values;
  REQUIRE(xs.size() == static_cast<std::size_t>(samples * features));
  for (int k = 0; k < B * features; ++k) x[k] = static_cast<float>(xs[static_cast<std::size_t>(b0 * features + k)]);
  if constexpr (std::is_same_v<Loss, SparseCategoricalCrossentropy>) {
    Tensor<int, Shape<B>> y;
    for (int k = 0; k < B; ++k) y[k] = static_cast<int>(ref()[data + "labels"].values[static_cast<std::size_t>(b0 + k)]);
    return t.step(x, y);
  } else {
    constexpr int outs = last_extent_v<typename Net::output_shape>;
    Tensor<float, Shape<B, outs>> y;
    for (int k = 0; k < B * outs; ++k)
      y[k] = static_cast<float>(ref()[data + "targets"].values[static_cast<std::size_t>(b0 * outs + k)]);
    return t.step(x, y);
  }
}

/// The per-epoch losses of `model` trained with opt, against the reference curve `model.run`.
template <class Net, class Loss, class Opt>
void check_curve(const std::string& model, const std::string& run, Opt opt) {
  auto net = load<Net>(model);
  auto t = make_trainer(net, Loss{}, opt);
  const auto& expected = ref()[model + "." + run].values;
  REQUIRE(expected.size() == static_cast<std::size_t>(epochs));
  for (int e = 0; e < epochs; ++e) {
    double total = 0.0;
    for (int b0 = 0; b0 < samples; b0 += batch_size) {
      if (samples - b0 >= batch_size)
        total += static_cast<double>(step<batch_size>(t, data_of(model), b0)) * batch_size;
      else
        total += static_cast<double>(step<samples % batch_size>(t, data_of(model), b0)) * (samples % batch_size);
    }
    const double got = total / samples;
    INFO(model << "." << run << ", epoch " << e + 1 << ": got " << got << ", expected " << expected[static_cast<std::size_t>(e)]);
    CHECK(got == Approx(expected[static_cast<std::size_t>(e)]).epsilon(1e-4));
  }
  if constexpr (constexpr int bn = moving_statistics_at<Net>::value; bn >= 0) {
    INFO(model << "." << run << ": the moving statistics");
    tshape_test::require_close(layer<bn>(net).moving_mean(), ref()[model + "." + run + ".moving_mean"].values, 1e-4, 1e-5);
    tshape_test::require_close(layer<bn>(net).moving_variance(), ref()[model + "." + run + ".moving_variance"].values, 1e-4, 1e-5);
  }
}

template <class Net, class Loss>
void check_all_optimizers(const std::string& model) {
  check_curve<Net, Loss>(model, "sgd", SGD{.learning_rate = 0.1f});
  check_curve<Net, Loss>(model, "sgd_momentum", SGD{.learning_rate = 0.05f, .momentum = 0.9f});
  check_curve<Net, Loss>(model, "sgd_nesterov", SGD{.learning_rate = 0.05f, .momentum = 0.9f, .nesterov = true});
  check_curve<Net, Loss>(model, "adam", Adam{.learning_rate = 0.01f});
  check_curve<Net, Loss>(model, "adamw", AdamW{.learning_rate = 0.01f, .weight_decay = 0.05f});
  check_curve<Net, Loss>(model, "rmsprop", RMSprop{.learning_rate = 0.005f});
  check_curve<Net, Loss>(model, "rmsprop_centered_momentum",
                         RMSprop{.learning_rate = 0.002f, .momentum = 0.5f, .centered = true});
  check_curve<Net, Loss>(model, "adagrad", Adagrad{.learning_rate = 0.05f});
  check_curve<Net, Loss>(model, "adam_epsilon", Adam{.learning_rate = 0.01f, .epsilon = 0.01f});
  check_curve<Net, Loss>(model, "rmsprop_epsilon", RMSprop{.learning_rate = 0.005f, .epsilon = 0.01f});
  check_curve<Net, Loss>(model, "adagrad_epsilon", Adagrad{.learning_rate = 0.05f, .epsilon = 0.01f});
  check_curve<Net, Loss>(model, "sgd_momentum_clipnorm", SGD{.learning_rate = 0.05f, .momentum = 0.9f, .clipnorm = 0.3f});
  check_curve<Net, Loss>(model, "sgd_momentum_global_clipnorm",
                         SGD{.learning_rate = 0.05f, .momentum = 0.9f, .global_clipnorm = 0.5f});
  check_curve<Net, Loss>(model, "adam_global_clipnorm", Adam{.learning_rate = 0.01f, .global_clipnorm = 0.3f});
}

}  // namespace

TEST_CASE("learning curves: an MLP with softmax and sparse cross-entropy follows Keras' optimizers", "[train][reference]") {
  static_assert(trainer<MlpCe, SparseCategoricalCrossentropy, SGD>::cached_logits);
  check_all_optimizers<MlpCe, SparseCategoricalCrossentropy>("mlp_ce");
}

TEST_CASE("learning curves: an MLP with tanh and mean squared error follows Keras' optimizers", "[train][reference]") {
  check_all_optimizers<MlpMse, MeanSquaredError>("mlp_mse");
}

TEST_CASE("learning curves: an MLP with BatchNormalization follows Keras' optimizers and moving statistics",
          "[train][reference]") {
  check_all_optimizers<MlpBn, SparseCategoricalCrossentropy>("mlp_bn");
  check_all_optimizers<BnFused, SparseCategoricalCrossentropy>("bn_fused");
}

TEST_CASE("learning curves: a CNN (Conv2D same, ReLU, MaxPooling2D, Flatten) follows Keras' optimizers",
          "[train][reference]") {
  static_assert(trainer<Cnn, SparseCategoricalCrossentropy, SGD>::cached_logits);
  check_all_optimizers<Cnn, SparseCategoricalCrossentropy>("cnn");
}
