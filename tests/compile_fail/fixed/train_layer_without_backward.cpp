#include <tshape/tshape.hpp>
#include <cmath>
#include <cstdio>
using namespace tshape;

// The same layer of the user's own, now with its backward pass: dx = dy / 2, and no weights.
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
    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (dx)
        for (long i = 0; i < batch * detail::sample_size<In>; ++i) dx[i] = dy[i] / 2;
    }
  };
};

using Net = Sequential<Input<8>, Dense<4>, Halve, Dense<1>>;

int main() {
  auto net = make_model<Net>();
  auto trainer = make_trainer(net, MeanSquaredError{}, SGD{});
  Tensor<float, Shape<32, 8>> x;
  Tensor<float, Shape<32, 1>> y;
  x.fill(0.5f);
  y.fill(1.0f);
  const float first = trainer.step(x, y);
  float l = first;
  for (int i = 0; i < 20; ++i) l = trainer.step(x, y);
  std::printf("loss %f -> %f\n", first, l);
  return std::isfinite(l) && l < first ? 0 : 1;
}
