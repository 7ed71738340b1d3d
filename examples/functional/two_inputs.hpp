// Two inputs and two outputs: a sensor image and its metadata in, an alarm probability and a class
// out. The Keras code it mirrors:
//
//   image = keras.Input((8, 8, 1)); meta = keras.Input((5,))
//   f = Dense(16, activation="relu")(Flatten()(Conv2D(4, 3, padding="same", activation="relu")(image)))
//   g = Dense(8, activation="relu")(meta)
//   joint = Concatenate()([f, g])
//   alarm = Dense(1, activation="sigmoid")(joint); kind = Dense(3, activation="softmax")(joint)
//   model = keras.Model([image, meta], [alarm, kind])
#pragma once
#include <tshape/tshape.hpp>

namespace two_inputs {
using namespace tshape;

constexpr auto image = Input<8, 8, 1>{};
constexpr auto meta = Input<5>{};
constexpr auto seen = Dense<16, ReLU>{}(Flatten{}(Conv2D<4, Kernel<3, 3>, Padding::same, ReLU>{}(image)));
constexpr auto known = Dense<8, ReLU>{}(meta);
constexpr auto joint = Concatenate<>{}(seen, known);
constexpr auto alarm_probability = Dense<1, Sigmoid>{}(joint);
constexpr auto category = Dense<3, Softmax>{}(joint);
using Net = decltype(model(inputs(image, meta), outputs(alarm_probability, category)));

}  // namespace two_inputs
