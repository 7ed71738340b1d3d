// The functional API with two inputs and two outputs (examples/functional/two_inputs.hpp): called
// with both tensors, it returns both results.
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
  return total > 0.999f && total < 1.001f ? 0 : 1;
}
