// Shared by the padding, cropping and up-sampling tests: a model's forward_train and backward on one
// case of tests/reference/resample.txt (make_resample.py), compared with PyTorch's output and autograd.
#pragma once
#include <tshape/tshape.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "../support.hpp"

namespace tshape_test {

template <class Net>
void check_resample_case(const std::string& name) {
  INFO(name);
  reference ref("resample.txt");
  const int batch = ref[name + ".x"].dims[0];
  auto net = std::make_unique<Net>(), grad = std::make_unique<Net>();
  std::vector<float> x(ref[name + ".x"].values.size()), dy(ref[name + ".r"].values.size());
  ref.copy_to(name + ".x", x);
  ref.copy_to(name + ".r", dy);
  REQUIRE(x.size() == static_cast<std::size_t>(batch) * tshape::detail::sample_size<typename Net::input_shape>);
  REQUIRE(dy.size() == static_cast<std::size_t>(batch) * tshape::detail::sample_size<typename Net::output_shape>);
  std::vector<float> y(dy.size(), 12345.0f), dx(x.size(), 12345.0f);
  std::vector<float> saved(Net::saved_floats(batch) + 16);
  std::vector<float> scratch(std::max(Net::arena_floats(batch), Net::backward_scratch_floats(batch)) + 16);
  tshape::train_context ctx;
  net->forward_train(x.data(), y.data(), batch, saved.data(), scratch.data(), ctx);
  require_close(y, ref[name + ".y"].values, 1e-6, 1e-6);
  net->backward(x.data(), y.data(), dy.data(), dx.data(), batch, saved.data(), scratch.data(), *grad, ctx);
  require_close(dx, ref[name + ".dx"].values, 1e-5, 1e-6);
  // Inference gives the same output as training.
  std::vector<float> y2(y.size());
  std::vector<float> arena(Net::arena_floats(batch) + 16);
  net->run_forward(x.data(), y2.data(), batch, arena.data());
  require_close(y2, y, 0, 0);
}

}  // namespace tshape_test
