#include <catch2/catch.hpp>
#include <tshape/tshape.hpp>

using namespace tshape;

namespace {
using Net = Sequential<Input<6>, Dense<8, ReLU>, Dense<8, Tanh>, Dense<3, Softmax>>;

template <class T>
void fill(T& t, float scale) {
  for (std::ptrdiff_t i = 0; i < t.size(); ++i) t[i] = scale * static_cast<float>((i * 7) % 11) - 0.4f;
}

/// Whether two bound layers hold the same values in every array, bit for bit.
template <class L>
bool same_arrays(L& a, L& b) {
  bool same = true;
  const auto pa = detail::trainable_arrays(a);
  const auto pb = detail::trainable_arrays(b);
  for (int j = 0; j < pa.count; ++j)
    for (std::size_t i = 0; i < pa.size[j]; ++i) same = same && pa.data[j][i] == pb.data[j][i];
  return same;
}
template <class L>
bool all_zero(L& a) {
  bool zero = true;
  const auto p = detail::trainable_arrays(a);
  for (int j = 0; j < p.count; ++j)
    for (std::size_t i = 0; i < p.size[j]; ++i) zero = zero && p.data[j][i] == 0.0f;
  return zero;
}
}  // namespace

TEST_CASE("frozen layers: fine-tuning the last layer trains it exactly as a full step would, the rest untouched",
          "[train][trainer]") {
  static Net full, tuned;
  initialize(full, 5);
  initialize(tuned, 5);
  Net factory = tuned;
  Tensor<float, Shape<5, 6>> x;
  fill(x, 0.3f);
  Tensor<int, Shape<5>> y{0, 2, 1, 1, 0};

  auto all = make_trainer(full, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.1f});
  auto last = make_trainer(tuned, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.1f});
  last.set_trainable(0, false);
  last.set_trainable(1, false);
  CHECK(!last.trainable(0));
  CHECK(last.trainable(2));

  // One step: the last layer's gradient does not depend on what goes further back.
  CHECK(all.step(x, y) == last.step(x, y));
  CHECK(same_arrays(all.gradients().layer<2>(), last.gradients().layer<2>()));
  CHECK(same_arrays(full.layer<2>(), tuned.layer<2>()));
  CHECK(!all_zero(all.gradients().layer<0>()));
  CHECK(all_zero(last.gradients().layer<0>()));
  CHECK(all_zero(last.gradients().layer<1>()));

  // More steps: the frozen layers keep their weights, the last one moves and the loss falls.
  float first = last.test_step(x, y), now = first;
  for (int i = 0; i < 20; ++i) now = last.step(x, y);
  CHECK(now < first);
  CHECK(same_arrays(tuned.layer<0>(), factory.layer<0>()));
  CHECK(same_arrays(tuned.layer<1>(), factory.layer<1>()));
  CHECK(!same_arrays(tuned.layer<2>(), factory.layer<2>()));

  // A frozen layer in the middle: the gradient still goes past it to the layer before.
  static Net middle;
  initialize(middle, 5);
  auto mid = make_trainer(middle, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.1f});
  mid.set_trainable(1, false);
  static Net full2;
  initialize(full2, 5);
  auto all2 = make_trainer(full2, SparseCategoricalCrossentropy{}, SGD{.learning_rate = 0.1f});
  CHECK(mid.step(x, y) == all2.step(x, y));
  CHECK(same_arrays(mid.gradients().layer<0>(), all2.gradients().layer<0>()));
  CHECK(all_zero(mid.gradients().layer<1>()));
}
