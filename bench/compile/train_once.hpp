// One training step, as a user program does it, for the models whose layers all have a backward pass
// (a model with one that has none compiles without the step: the trainer would reject it).
#pragma once
#include <tshape/tshape.hpp>

template <class Net, class X, class Y>
float train_once(tshape::model_ptr<Net>& net, const X& x, const Y& y) {
  if constexpr (Net::trainable_layers) {
    auto trainer = tshape::make_trainer(net, tshape::SparseCategoricalCrossentropy{}, tshape::Adam{});
    return trainer.step(x, y);
  } else {
    return 0.0f;
  }
}
