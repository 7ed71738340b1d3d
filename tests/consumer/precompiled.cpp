// Built with the umbrella header precompiled (CMake's target_precompile_headers), as projects do to
// save its parse in every file. Uses the parts of the library whose types clang 14 once could not
// read back from a precompiled header: the windowed layers, a Sequential and a functional model
// trained with fit, one with validation data and one with two inputs.
#include <tshape/tshape.hpp>

#include <cstdio>
#include <tuple>

using namespace tshape;

using Cnn = Sequential<Input<8, 8, 2>, Conv2D<4, Kernel<3, 3>, Padding::same, ReLU>, MaxPooling2D<Pool<2, 2>>,
                       DepthwiseConv2D<Kernel<3, 3>, Padding::same>, SeparableConv2D<4, Kernel<3, 3>>,
                       GlobalAveragePooling2D, Dense<3, Softmax>>;

constexpr auto image = Input<6, 6, 1>{};
constexpr auto meta = Input<3>{};
constexpr auto joint =
    Concatenate<>{}(Flatten{}(Conv1D<2, Kernel<3>>{}(Reshape<36, 1>{}(image))), Dense<4, ReLU>{}(meta));
using Graph = decltype(model(inputs(image, meta), outputs(Dense<2, Softmax>{}(joint))));

int main() {
  detail::rng r(3);
  auto cnn = make_model<Cnn>();
  Tensor<float, Shape<6, 8, 8, 2>> x;
  Tensor<int, Shape<6>> y{0, 1, 2, 0, 1, 2};
  for (auto& v : x) v = r.uniform(-1.0f, 1.0f);
  const auto h = fit(cnn, x, y, SparseCategoricalCrossentropy{}, Adam{}, {.epochs = 2, .batch_size = 3, .verbose = 0},
                     validation_data(x, y));

  auto graph = make_model<Graph>();
  Tensor<float, Shape<4, 6, 6, 1>> images;
  Tensor<float, Shape<4, 3>> metas;
  Tensor<int, Shape<4>> kinds{0, 1, 1, 0};
  for (auto& v : images) v = r.uniform(-1.0f, 1.0f);
  for (auto& v : metas) v = r.uniform(-1.0f, 1.0f);
  const auto g = fit(graph, std::tie(images, metas), std::tie(kinds), SparseCategoricalCrossentropy{}, Adam{},
                     {.epochs = 2, .batch_size = 2, .verbose = 0});

  const double cnn_loss = h["val_loss"].back(), graph_loss = g["loss"].back();
  std::printf("precompiled consumer: validation loss %.3f, two-input loss %.3f\n", cnn_loss, graph_loss);
  return cnn_loss > 0.0 && graph_loss > 0.0 ? 0 : 1;
}
