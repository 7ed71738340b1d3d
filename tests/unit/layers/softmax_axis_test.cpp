// Softmax::axis<A> (Keras' Softmax(axis=A)): the shape rule, the kernel against its one-column-at-a-
// time reference, the numbers and gradients of torch.softmax (tests/reference/make_softmax_axis.py),
// and finite differences.
#include <tshape/tshape.hpp>

#include <memory>
#include <string>
#include <vector>

#include "../support.hpp"
#include "../train/gradient_check.hpp"

using namespace tshape;

// The spelling: Keras' axis, the batch being 0; the last axis is Softmax itself.
static_assert(std::is_same_v<Softmax::axis<-1>, Softmax>);
static_assert(std::is_same_v<Softmax::axis<1>, SoftmaxAxis<1>>);
static_assert(Softmax::axis<2>::axis == 2);
static_assert(std::is_same_v<decltype(Softmax::axis<1>::infer(Shape<4, 5>{})), Shape<4, 5>>);
static_assert(std::is_same_v<decltype(Softmax::axis<-3>::infer(Shape<4, 5, 2>{})), Shape<4, 5, 2>>);
// Rule: an axis of the sample.
static_assert(std::is_same_v<decltype(Softmax::axis<3>::infer(Shape<4, 5>{})),
                             mismatch<error::INVALID_OPTION, error::axis_out_of_range, error::but_got_shape<error::None, 4, 5>>>);
static_assert(std::is_same_v<decltype(Softmax::axis<-3>::infer(Shape<4, 5>{})),
                             mismatch<error::INVALID_OPTION, error::axis_out_of_range, error::but_got_shape<error::None, 4, 5>>>);
static_assert(std::is_same_v<decltype(Softmax::axis<0>::infer(Shape<4, 5>{})),
                             mismatch<error::INVALID_OPTION, error::axis_out_of_range, error::but_got_shape<error::None, 4, 5>>>);
// Keras' summary row; no parameters.
using Summarized = Sequential<Input<4, 5>, Dense<6>, Softmax::axis<1>>;
static_assert(summary<Summarized>().rows[1].name == "softmax");
static_assert(summary<Summarized>().rows[1].class_name == "Softmax");
static_assert(summary<Summarized>().rows[1].output_shape == "(None, 4, 6)");
static_assert(summary<Summarized>().rows[1].params == 0);
// Working memory: the columns' maxima and sums beside the last axis, none on it.
static_assert(SoftmaxAxis<1>::bind<Shape<4, 5>>::scratch_floats(8) == 10);
static_assert(SoftmaxAxis<2>::bind<Shape<4, 5>>::scratch_floats(8) == 0);

TEST_CASE("Softmax::axis: the kernel matches its column-by-column reference", "[layers][softmax_axis][kernels]") {
  tshape_test::random_floats rnd(6);
  const std::ptrdiff_t shapes[][3] = {{1, 1, 1}, {3, 4, 1}, {2, 5, 3}, {1, 7, 17}, {4, 1, 6}, {3, 2, 33}, {1, 9, 8}};
  for (const auto& s : shapes) {
    const std::ptrdiff_t outer = s[0], n = s[1], inner = s[2];
    INFO("(" << outer << ", " << n << ", " << inner << ")");
    const auto size = static_cast<std::size_t>(outer * n * inner);
    std::vector<float> x(size), y(size), want(size), dy(size), dx(size), dx_want(size);
    rnd.fill(x, -6.0f, 6.0f);
    rnd.fill(dy);
    std::vector<float> scratch(kernels::activation::softmax_axis_scratch(inner) + 1);
    kernels::activation::softmax_axis(x.data(), y.data(), outer, n, inner, scratch.data());
    kernels::activation::reference::softmax_axis(x.data(), want.data(), outer, n, inner);
    tshape_test::require_close(y, want, 1e-5, 1e-7);
    kernels::activation::softmax_axis_grad(y.data(), dy.data(), dx.data(), outer, n, inner, scratch.data());
    kernels::activation::reference::softmax_axis_grad(want.data(), dy.data(), dx_want.data(), outer, n, inner);
    tshape_test::require_close(dx, dx_want, 1e-4, 1e-6);
    // In place, as forward may run.
    std::vector<float> z = x;
    kernels::activation::softmax_axis(z.data(), z.data(), outer, n, inner, scratch.data());
    tshape_test::require_close(z, want, 1e-5, 1e-7);
  }
}

namespace {

/// The model Sequential<Input<S...>, Softmax::axis<A>> on the reference case `name`: y and dL/dx.
template <class In, int A, int B>
void check_case(const std::string& name) {
  INFO(name);
  const tshape_test::reference ref("softmax_axis.txt");
  using Net = Sequential<In, Softmax::axis<A>>;
  auto net = make_model<Net>();
  constexpr std::size_t size = static_cast<std::size_t>(B) * detail::sample_size<typename Net::input_shape>;
  std::vector<float> x(size), y(size), r(size), dx(size);
  ref.copy_to(name + ".x", x);
  ref.copy_to(name + ".r", r);
  std::vector<float> arena(Net::arena_floats(B) + 16);
  net->run_forward(x.data(), y.data(), B, arena.data());
  tshape_test::require_close(y, ref[name + ".y"].values, 1e-5, 1e-7);
  // Training: the same output, and dL/dx for dL/dy = r.
  std::vector<float> saved(Net::saved_floats(B) + 16), scratch(std::max(Net::arena_floats(B), Net::backward_scratch_floats(B)) + 16);
  auto grad = std::make_unique<Net>();
  train_context ctx;
  net->forward_train(x.data(), y.data(), B, saved.data(), scratch.data(), ctx);
  tshape_test::require_close(y, ref[name + ".y"].values, 1e-5, 1e-7);
  net->backward(x.data(), y.data(), r.data(), dx.data(), B, saved.data(), scratch.data(), *grad, ctx);
  tshape_test::require_close(dx, ref[name + ".dx"].values, 1e-4, 1e-6);
}

}  // namespace

TEST_CASE("Softmax::axis: matches torch.softmax and its autograd", "[layers][softmax_axis]") {
  check_case<Input<4, 5>, 1, 3>("rank2_axis1");
  check_case<Input<4, 5>, 2, 2>("rank2_axis2");
  check_case<Input<3, 6, 4>, -2, 2>("rank3_axis_m2");
  check_case<Input<7, 2, 3>, 1, 1>("rank3_axis1");
  check_case<Input<9>, -1, 4>("rank1_axis_m1");  // Softmax itself
  check_case<Input<9>, 1, 4>("rank1_axis_m1");   // the same axis, counted from the front
  check_case<Input<5, 3>, 1, 2>("large");
}

TEST_CASE("Softmax::axis: on the last axis, the same numbers as Softmax", "[layers][softmax_axis]") {
  auto last = make_model<Sequential<Input<3, 7>, Softmax::axis<2>>>();
  auto plain = make_model<Sequential<Input<3, 7>, Softmax>>();
  tshape_test::random_floats rnd(8);
  Tensor<float, Shape<5, 3, 7>> x;
  rnd.fill(x, -4.0f, 4.0f);
  tshape_test::require_close(last(x), plain(x), 1e-6, 1e-8);
}

TEST_CASE("Softmax::axis: gradients against finite differences", "[layers][softmax_axis][train]") {
  using tshape_test::check_gradients;
  check_gradients<Sequential<Input<4, 5>, Softmax::axis<1>>>(3);
  check_gradients<Sequential<Input<3, 4, 2>, Dense<3, Tanh>, Softmax::axis<-3>>>(2);
  check_gradients<Sequential<Input<2, 3, 5>, Softmax::axis<2>, Dense<2>>>(1);
  // Attention-like weights over time, then a sum over time.
  check_gradients<Sequential<Input<6, 4>, Dense<1>, Softmax::axis<1>, Flatten, Dense<2>>>(2);
}
