// EXPECT-MESSAGE: tshape: a layer of this model has no backward pass, so the model cannot train
// EXPECT-ERROR: NOT_TRAINABLE<.*at_layer<0>, .*ZeroPadding2D<>, .*layer_has_no_backward<.*ZeroPadding2D<>
// TITLE: Training a model with a layer that has no backward pass yet
// SEED: -
// KERAS: none: every Keras layer has a gradient (tshape's ZeroPadding2D runs at inference only)
// FIX: do what the layer does once, to the data, before the model (here: pad each image with a border of zeros, and the model takes Input<10, 10, 1>); or train the layers after it as a model of their own.
#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

using Net = Sequential<Input<8, 8, 1>, ZeroPadding2D<>, Flatten, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, MeanSquaredError{}, SGD{});
  Tensor<float, Shape<32, 8, 8, 1>> x;
  Tensor<float, Shape<32, 1>> y;
  float l = trainer.step(x, y);
  std::printf("loss %f\n", l);
}
