// Conv1D with Padding::causal: the shape it keeps, the numbers of PyTorch's conv1d on a left-padded
// input (tests/reference/make_causal.py), and its gradients.
#include <tshape/tshape.hpp>

#include <string>
#include <vector>

#include "../support.hpp"
#include "../train/gradient_check.hpp"
#include <tshape/kernels/conv/reference.hpp>

using namespace tshape;

// 'causal' keeps the length (ceil(in / stride)) whatever the window, as Keras' conv_output_length.
static_assert(std::is_same_v<decltype(Conv1D<16, Kernel<3>, Padding::causal>::infer(Shape<30, 8>{})), Shape<30, 16>>);
static_assert(std::is_same_v<decltype(Conv1D<4, Kernel<5>, DilationRate<4>, Padding::causal>::infer(Shape<7, 2>{})),
                             Shape<7, 4>>);  // a window of 17 over 7 steps
static_assert(std::is_same_v<decltype(Conv1D<4, Kernel<3>, Strides<2>, Padding::causal>::infer(Shape<11, 2>{})),
                             Shape<6, 4>>);
static_assert(Conv1D<4, Kernel<3>, Padding::causal>::opts::causal && !Conv1D<4, Kernel<3>, Padding::causal>::opts::same);
// The geometry: all of the dilated window's padding on the left.
static_assert(Conv1D<4, Kernel<3>, DilationRate<2>, Padding::causal>::bind<Shape<9, 2>>::output_shape::static_size == 9 * 4);
static_assert(kernels::causal_columns(kernels::make_geometry(1, 9, 2, 1, 3, 1, 1, 1, 2, false, 4)).pad_left == 4);
static_assert(kernels::causal_columns(kernels::make_geometry(1, 9, 2, 1, 3, 1, 1, 1, 2, false, 4)).pad_right == 0);
static_assert(kernels::causal_columns(kernels::make_geometry(1, 9, 2, 1, 3, 1, 1, 1, 2, false, 4)).ow == 9);
// The summary says so too.
using Summarized = Sequential<Input<40, 3>, Conv1D<8, Kernel<3>, DilationRate<2>, Padding::causal>>;
static_assert(summary<Summarized>().rows[0].output_shape == "(None, 40, 8)");

namespace {

template <class Layer, int B, int T, int C>
void check_causal(const std::string& name) {
  INFO(name);
  const tshape_test::reference ref("causal.txt");
  using Net = Sequential<Input<T, C>, Layer>;
  auto net = make_model<Net>();
  ref.copy_to(name + ".kernel", layer<0>(net).kernel());
  ref.copy_to(name + ".bias", layer<0>(net).bias());
  Tensor<float, Shape<B, T, C>> x;
  ref.copy_to(name + ".x", x);
  const auto y = net(x);
  tshape_test::require_close(y, ref[name + ".y"].values, 1e-5, 1e-5);
}

}  // namespace

TEST_CASE("Conv1D causal: matches PyTorch's conv1d on a left-padded input", "[layers][conv1d][causal]") {
  check_causal<Conv1D<5, Kernel<3>, Padding::causal>, 2, 11, 3>("k3");
  check_causal<Conv1D<3, Kernel<4>, DilationRate<2>, Padding::causal>, 1, 9, 2>("k4_d2");
  check_causal<Conv1D<4, Padding::causal, Kernel<2>, DilationRate<4>>, 3, 7, 1>("k2_d4_odd");
  check_causal<Conv1D<2, Kernel<5>, DilationRate<3>, Padding::causal>, 1, 6, 2>("k5_d3_short");
  check_causal<Conv1D<6, Kernel<3>, DilationRate<2>, Padding::causal>, 2, 13, 16>("k3_d2_wide");
  check_causal<Conv1D<4, Kernel<1>, Padding::causal>, 2, 5, 3>("k1");
  check_causal<Conv1D<4, Kernel<3>, Strides<2>, Padding::causal>, 2, 11, 3>("k3_s2");
  using kernels::conv::conv_path;
  using kernels::conv::path_of;
  using kernels::causal_columns;
  using kernels::make_geometry;
  CHECK(path_of(causal_columns(make_geometry(1, 13, 16, 1, 3, 1, 1, 1, 2, false, 6))) == conv_path::channel_rich);
  CHECK(path_of(causal_columns(make_geometry(1, 11, 3, 1, 3, 1, 1, 1, 1, false, 5))) == conv_path::first_layer);
  CHECK(path_of(causal_columns(make_geometry(1, 5, 3, 1, 1, 1, 1, 1, 1, false, 4))) == conv_path::pointwise);
}

TEST_CASE("Conv1D causal: an activation is applied after the causal sum", "[layers][conv1d][causal]") {
  using Lin = Sequential<Input<11, 3>, Conv1D<5, Kernel<3>, Padding::causal>>;
  using Act = Sequential<Input<11, 3>, Conv1D<5, Kernel<3>, Padding::causal, Tanh>>;
  auto lin = make_model<Lin>(4);
  auto act = make_model<Act>();
  std::copy(layer<0>(lin).kernel().begin(), layer<0>(lin).kernel().end(), layer<0>(act).kernel().begin());
  tshape_test::random_floats rnd(2);
  Tensor<float, Shape<2, 11, 3>> x;
  rnd.fill(x);
  auto z = lin(x);
  for (auto& v : z) v = std::tanh(v);
  tshape_test::require_close(act(x), z, 1e-5, 1e-6);
}

TEST_CASE("Conv1D causal: backward matches the scalar reference and finite differences", "[layers][conv1d][causal][train]") {
  // The kernel's backward on a causal geometry against the plain loops, on both dx paths (col2im for few
  // channels, the direct kernel on the transposed geometry for 16 channels and 8 steps or more).
  const auto check_kernel = [](kernels::window_geometry g, int batch) {
    INFO("c " << g.c << " w " << g.w << " k " << g.kw << " d " << g.dw);
    tshape_test::random_floats rnd(5);
    std::vector<float> x(g.input_floats() * batch), dz(g.output_floats() * batch), kernel(g.kw * g.c * g.oc);
    rnd.fill(x);
    rnd.fill(dz);
    rnd.fill(kernel);
    std::vector<float> dk(kernel.size()), db(g.oc), dx(x.size()), rdk(kernel.size()), rdb(g.oc), rdx(x.size());
    std::vector<float> scratch(kernels::conv::backward_scratch_floats(g, batch) + 16);
    kernels::conv::backward(g, x.data(), dz.data(), kernel.data(), dk.data(), db.data(), dx.data(), batch, scratch.data());
    kernels::conv::reference_backward(g, x.data(), dz.data(), kernel.data(), rdk.data(), rdb.data(), rdx.data(), batch);
    tshape_test::require_close(dk, rdk, 1e-4, 1e-5);
    tshape_test::require_close(db, rdb, 1e-4, 1e-5);
    tshape_test::require_close(dx, rdx, 1e-4, 1e-5);
  };
  const auto causal = [](int w, int c, int k, int d, int f) {
    return kernels::causal_columns(kernels::make_geometry(1, w, c, 1, k, 1, 1, 1, d, false, f));
  };
  CHECK_FALSE(kernels::conv::dx_by_direct(causal(9, 3, 3, 2, 4)));
  check_kernel(causal(9, 3, 3, 2, 4), 2);
  CHECK(kernels::conv::dx_by_direct(causal(12, 16, 3, 3, 5)));
  check_kernel(causal(12, 16, 3, 3, 5), 3);
  check_kernel(causal(5, 2, 4, 2, 3), 1);  // a window of 7 over 5 steps

  using tshape_test::check_gradients;
  check_gradients<Sequential<Input<11, 3>, Conv1D<4, Kernel<3>, DilationRate<2>, Padding::causal, Tanh>>>(3);
  check_gradients<Sequential<Input<7, 2>, Conv1D<3, Kernel<2>, DilationRate<4>, Padding::causal>>>(1);
  check_gradients<Sequential<Input<10, 16>, Conv1D<3, Kernel<3>, DilationRate<3>, Padding::causal, Sigmoid>>>(2);
  check_gradients<Sequential<Input<9, 2>, Conv1D<4, Kernel<3>, Strides<2>, Padding::causal, UseBias<false>>>>(2);
  // Stacked with growing dilation, as a WaveNet-like front end.
  check_gradients<Sequential<Input<12, 2>, Conv1D<3, Kernel<2>, Padding::causal, Tanh>,
                             Conv1D<3, Kernel<2>, DilationRate<2>, Padding::causal, Tanh>,
                             Conv1D<2, Kernel<2>, DilationRate<4>, Padding::causal>>>(2);
}
