// EXPECT-MESSAGE: tshape: a layer of this model has no backward pass, so the model cannot train
// EXPECT-ERROR: NOT_TRAINABLE<.*at_layer<1>, .*Halve, .*layer_has_no_backward<.*Halve
// TITLE: Training a model with a layer of your own that has no backward pass
// SEED: -
// KERAS: none: Keras differentiates a custom layer's call() by itself
// FIX: give the layer a backward() (layers/layer.hpp documents it; here dx = dy / 2), as the fixed twin does.
#include <tshape/tshape.hpp>
#include <cstdio>
using namespace tshape;

// A layer of the user's own, written for inference only: y = x / 2.
struct Halve {
  static constexpr std::string_view keras_class = "Halve";
  static constexpr std::string_view keras_name = "halve";
  template <int... D>
  static constexpr auto infer(Shape<D...> s) { return s; }
  template <class In>
  struct bind : detail::no_parameters {
    using input_shape = In;
    using output_shape = In;
    void forward(const float* x, float* y, int batch, float*) const {
      for (long i = 0; i < batch * detail::sample_size<In>; ++i) y[i] = x[i] / 2;
    }
  };
};

using Net = Sequential<Input<8>, Dense<4>, Halve, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, MeanSquaredError{}, SGD{});
  Tensor<float, Shape<32, 8>> x;
  Tensor<float, Shape<32, 1>> y;
  float l = trainer.step(x, y);
  std::printf("loss %f\n", l);
}
