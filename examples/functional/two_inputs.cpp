// The functional API with two inputs and two outputs (examples/functional/two_inputs.hpp): called
// with both tensors, it returns both results; it trains as Keras' fit([x1, x2], [y1, y2]) with a
// loss per output.
#include "two_inputs.hpp"

#include <cstdio>

using namespace tshape;

int main(int, char**) {
  using two_inputs::Net;
  auto net = make_model<Net>(/*seed=*/5);
  print_summary<Net>();

  Tensor<float, Shape<2, 8, 8, 1>> images;
  Tensor<float, Shape<2, 5>> meta;
  detail::rng r(1);
  for (auto& v : images) v = r.uniform(0.0f, 1.0f);
  for (auto& v : meta) v = r.uniform(-1.0f, 1.0f);
  const auto [alarm, category] = net(images, meta);  // (2, 1) and (2, 3)
  for (int i = 0; i < 2; ++i)
    std::printf("sample %d: alarm %.3f, category scores %.3f %.3f %.3f\n", i, alarm(i, 0), category(i, 0),
                category(i, 1), category(i, 2));
  // The softmax head's scores sum to one.
  const float total = category(0, 0) + category(0, 1) + category(0, 2);
  if (!(total > 0.999f && total < 1.001f)) return 1;

  // Training data whose labels follow the metadata: the alarm its first value's sign, the category
  // its second value's range.
  Tensor<float, Shape<256, 8, 8, 1>> train_images;
  Tensor<float, Shape<256, 5>> train_meta;
  Tensor<float, Shape<256, 1>> alarms;
  Tensor<int, Shape<256>> kinds;
  for (auto& v : train_images) v = r.uniform(0.0f, 1.0f);
  for (auto& v : train_meta) v = r.uniform(-1.0f, 1.0f);
  for (int i = 0; i < 256; ++i) {
    alarms(i, 0) = train_meta(i, 0) > 0.0f ? 1.0f : 0.0f;
    kinds(i) = train_meta(i, 1) > 0.33f ? 2 : (train_meta(i, 1) < -0.33f ? 0 : 1);
  }
  const auto loss = losses{BinaryCrossentropy{}, SparseCategoricalCrossentropy{}}.weighted({1.0f, 0.5f});
  const auto history = fit(net, std::tie(train_images, train_meta), std::tie(alarms, kinds), loss, Adam{.learning_rate = 0.01f},
                           {.epochs = 20, .batch_size = 32, .validation_split = 0.25, .verbose = 0}, metrics<Accuracy>);
  std::printf("after %d epochs: val_loss %.3f, alarm accuracy %.3f, category accuracy %.3f\n", history.epochs(),
              history["val_loss"].back(), history["val_dense_2_accuracy"].back(), history["val_dense_3_accuracy"].back());
  const auto [loss_all, alarm_loss, kind_loss, alarm_acc, kind_acc] =
      evaluate(net, std::tie(train_images, train_meta), std::tie(alarms, kinds), loss, metrics<Accuracy>);
  std::printf("evaluate: loss %.3f (alarm %.3f, category %.3f), accuracy %.3f and %.3f\n", loss_all, alarm_loss,
              kind_loss, alarm_acc, kind_acc);
  return alarm_acc > 0.8 && kind_acc > 0.6 ? 0 : 1;
}
