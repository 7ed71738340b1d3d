// The backward passes of Conv2D, Conv1D, ZeroPadding2D and the pools against PyTorch's autograd
// (tests/reference/make_conv_grad.py: Keras' layouts, TensorFlow's 'same' padding): the output, dx and
// every weight's gradient for a given dy.
#include <tshape/tshape.hpp>

#include <memory>
#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape;

namespace {

/// Runs forward_train and backward of Net on reference case `name` of conv_grad.txt and compares.
template <class Net>
void check_case(const std::string& name) {
  INFO(name);
  tshape_test::reference ref("conv_grad.txt");
  const int batch = ref[name + ".x"].dims[0];
  auto net = std::make_unique<Net>(), grad = std::make_unique<Net>();
  int i = 0;
  tshape::for_each_weight(*net, [&](const tshape::weight_ref& w) { ref.copy_to(name + ".w" + std::to_string(i++), w.values); });
  tshape::for_each_weight(*grad, [](const tshape::weight_ref& w) { std::fill(w.values.begin(), w.values.end(), 0.0f); });

  std::vector<float> x(ref[name + ".x"].values.size()), dy(ref[name + ".dy"].values.size());
  ref.copy_to(name + ".x", x);
  ref.copy_to(name + ".dy", dy);
  std::vector<float> y(dy.size()), dx(x.size(), 12345.0f);
  std::vector<float> saved(Net::saved_floats(batch) + 16);
  std::vector<float> scratch(std::max(Net::arena_floats(batch), Net::backward_scratch_floats(batch)) + 16);
  train_context ctx;
  net->forward_train(x.data(), y.data(), batch, saved.data(), scratch.data(), ctx);
  tshape_test::require_close(y, ref[name + ".y"].values, 1e-5, 1e-5);
  net->backward(x.data(), y.data(), dy.data(), dx.data(), batch, saved.data(), scratch.data(), *grad, ctx);
  tshape_test::require_close(dx, ref[name + ".dx"].values, 1e-4, 1e-5);
  i = 0;
  tshape::for_each_weight(*grad, [&](const tshape::weight_ref& g) {
    const std::string array = name + ".g" + std::to_string(i++);
    INFO(array);
    tshape_test::require_close(g.values, ref[array].values, 1e-4, 1e-5);
  });
}

}  // namespace

TEST_CASE("backward: Conv2D's gradients match PyTorch's autograd", "[train][backward][conv][reference]") {
  check_case<Sequential<Input<7, 6, 2>, Conv2D<3, Kernel<3>, Strides<2>, Padding::same, Tanh>>>("conv_s2_tanh");
  check_case<Sequential<Input<9, 8, 3>, Conv2D<2, Kernel<4>, Strides<2>, Padding::same, Sigmoid, UseBias<false>>>>(
      "conv_even_nobias");
  check_case<Sequential<Input<9, 10, 2>, Conv2D<4, Kernel<3, 2>, DilationRate<2, 3>>>>("conv_dilated_valid");
  check_case<Sequential<Input<8, 7, 3>, Conv2D<3, Kernel<3>, DilationRate<2>, Padding::same, ELU>>>(
      "conv_dilated_same_elu");
  check_case<Sequential<Input<4, 5, 5>, Conv2D<3, Kernel<1>>>>("conv_1x1");
  check_case<Sequential<Input<11, 10, 2>, Conv2D<3, Kernel<3>, Strides<3>>>>("conv_s3_valid");
}

TEST_CASE("backward: Conv1D's and ZeroPadding2D's gradients match PyTorch's autograd",
          "[train][backward][conv][reference]") {
  check_case<Sequential<Input<11, 3>, Conv1D<4, Kernel<3>, DilationRate<2>, Padding::same, Tanh>>>("conv1d_dilated_same");
  check_case<Sequential<Input<12, 2>, Conv1D<3, Kernel<4>, Strides<2>>>>("conv1d_s2_valid");
  check_case<Sequential<Input<3, 4, 2>, ZeroPadding2D<1, 2, 0, 3>>>("zeropad");
}

TEST_CASE("backward: the pools' gradients match PyTorch's autograd", "[train][backward][pool][reference]") {
  check_case<Sequential<Input<7, 7, 3>, MaxPooling2D<Pool<3>, Strides<2>, Padding::same>>>("maxpool_same_overlap");
  check_case<Sequential<Input<8, 7, 2>, MaxPooling2D<Pool<2>, Strides<3>, Padding::same>>>("maxpool_same_gaps");
  check_case<Sequential<Input<7, 5, 4>, MaxPooling2D<>>>("maxpool_valid");
  check_case<Sequential<Input<7, 6, 3>, AveragePooling2D<Pool<3>, Strides<2>, Padding::same>>>("avgpool_same_overlap");
  check_case<Sequential<Input<7, 7, 2>, AveragePooling2D<Pool<2>, Strides<3>, Padding::same>>>("avgpool_same_gaps");
  check_case<Sequential<Input<8, 7, 3>, AveragePooling2D<Pool<2, 3>, Strides<3, 2>>>>("avgpool_valid");
  check_case<Sequential<Input<11, 3>, MaxPooling1D<Pool<3>, Strides<2>, Padding::same>>>("maxpool1d_same");
  check_case<Sequential<Input<9, 3>, AveragePooling1D<Pool<3>, Strides<2>, Padding::same>>>("avgpool1d_same");
  check_case<Sequential<Input<4, 5, 6>, GlobalAveragePooling2D>>("global2d_avg");
  check_case<Sequential<Input<4, 5, 6>, GlobalMaxPooling2D>>("global2d_max");
  check_case<Sequential<Input<7, 4>, GlobalAveragePooling1D>>("global1d_avg");
  check_case<Sequential<Input<7, 4>, GlobalMaxPooling1D>>("global1d_max");
}

TEST_CASE("backward: a small CNN's gradients match PyTorch's autograd end to end", "[train][backward][reference]") {
  check_case<Sequential<Input<10, 9, 2>, Conv2D<4, Kernel<3>, Padding::same, ReLU>, MaxPooling2D<>,
                        Conv2D<6, Kernel<3>, Strides<2>, Padding::same, Tanh>, GlobalAveragePooling2D,
                        Dense<3, Softmax>>>("cnn");
}
