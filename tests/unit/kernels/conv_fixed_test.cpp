// The compile-time-geometry forms layers call (conv2d<G>, backward_kernels_for<G>) against the runtime forms:
// they run the same tiles on the same arguments, so the results must be the same to the bit, on every
// path (pointwise, first-layer, channel-rich; uneven channel blocks; activations fused or not).
#include <tshape/kernels/conv/backward.hpp>
#include <tshape/kernels/conv/conv.hpp>

#include <vector>

#include "../support.hpp"

using namespace tshape::kernels;

namespace {

template <window_geometry G, class Act = activation::linear>
void check_forward(int batch, const Act& act = {}, bool with_bias = true) {
  INFO(G.h << "x" << G.w << "x" << G.c << " -> " << G.oc << ", kernel " << G.kh << "x" << G.kw);
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(G.h * 131 + G.c * 7 + G.oc));
  std::vector<float> x(static_cast<std::size_t>(batch) * G.input_floats());
  std::vector<float> kernel(static_cast<std::size_t>(G.kh) * G.kw * G.c * G.oc), bias(static_cast<std::size_t>(G.oc));
  rnd.fill(x);
  rnd.fill(kernel);
  rnd.fill(bias);
  const std::size_t out = static_cast<std::size_t>(batch) * G.output_floats();
  std::vector<float> runtime(out, 1.0f), fixed(out, 2.0f), scratch(conv::scratch_floats(G) + 16);
  const float* b = with_bias ? bias.data() : nullptr;
  conv::conv2d(G, x.data(), kernel.data(), b, runtime.data(), batch, scratch.data(), act);
  // The fixed form on a scratch of its own, exactly as large as it says (the sanitizers see a step
  // beyond), filled with noise: it must not read what it did not write.
  REQUIRE(conv::scratch_floats<G>(with_bias) <= conv::scratch_floats(G));
  std::vector<float> own(conv::scratch_floats<G>(with_bias));
  rnd.fill(own);
  conv::conv2d<G>(x.data(), kernel.data(), b, fixed.data(), batch, own.data(), act);
  CHECK(fixed == runtime);
}

template <window_geometry G>
void check_backward(int batch) {
  INFO(G.h << "x" << G.w << "x" << G.c << " -> " << G.oc << ", kernel " << G.kh << "x" << G.kw);
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(G.w * 17 + G.c));
  std::vector<float> x(static_cast<std::size_t>(batch) * G.input_floats());
  std::vector<float> dz(static_cast<std::size_t>(batch) * G.output_floats());
  std::vector<float> kernel(static_cast<std::size_t>(G.kh) * G.kw * G.c * G.oc);
  rnd.fill(x);
  rnd.fill(dz);
  rnd.fill(kernel);
  std::vector<float> scratch(conv::backward_scratch_floats(G, batch) + 16);
  std::vector<float> dx_runtime(x.size(), 1.0f), dx_fixed(x.size(), 2.0f);
  std::vector<float> dk_runtime(kernel.size(), 0.5f), dk_fixed(kernel.size(), 0.5f);
  std::vector<float> db_runtime(static_cast<std::size_t>(G.oc), 0.25f), db_fixed(db_runtime);
  conv::backward(G, x.data(), dz.data(), kernel.data(), dk_runtime.data(), db_runtime.data(), dx_runtime.data(), batch,
                 scratch.data());
  conv::backward(G, x.data(), dz.data(), kernel.data(), dk_fixed.data(), db_fixed.data(), dx_fixed.data(), batch,
                 scratch.data(), conv::backward_kernels_for<G>());
  CHECK(dx_fixed == dx_runtime);
  CHECK(dk_fixed == dk_runtime);
  CHECK(db_fixed == db_runtime);
}

}  // namespace

TEST_CASE("conv kernels: a compile-time geometry gives the runtime form's results to the bit", "[kernels][conv]") {
  // h, w, c, kh, kw, sh, sw, dh, dw, same, oc
  check_forward<make_geometry(7, 9, 3, 3, 3, 1, 1, 1, 1, true, 5)>(2);           // first layer, one partial block
  check_forward<make_geometry(28, 27, 3, 5, 5, 1, 1, 1, 1, true, 32)>(1);        // first layer, wider tiles first
  check_forward<make_geometry(10, 12, 7, 3, 3, 2, 2, 1, 1, true, 33)>(1);        // channel-rich, uneven blocks
  check_forward<make_geometry(10, 10, 32, 3, 3, 1, 1, 1, 1, true, 130)>(2);      // full blocks and a remainder
  check_forward<make_geometry(11, 10, 7, 3, 3, 1, 1, 2, 2, true, 24)>(1);        // dilation
  check_forward<make_geometry(1, 30, 16, 1, 5, 1, 1, 1, 1, false, 16)>(3);       // Conv1D, valid
  check_forward<make_geometry(8, 9, 19, 1, 1, 1, 1, 1, 1, false, 48)>(2);        // pointwise
  check_forward<make_geometry(1, 1, 5, 1, 1, 1, 1, 1, 1, false, 9)>(1);          // pointwise, one row
  check_forward<make_geometry(3, 5, 40, 1, 1, 1, 1, 1, 1, true, 70)>(3, activation::relu{});
  check_forward<make_geometry(9, 8, 16, 3, 3, 1, 1, 1, 1, true, 20)>(2, activation::relu{});
  check_forward<make_geometry(9, 8, 2, 3, 3, 2, 1, 1, 1, true, 20)>(1, activation::sigmoid{});
  check_forward<causal_columns(make_geometry(1, 20, 8, 1, 5, 1, 1, 1, 2, false, 16))>(2, activation::relu{});
  // Filters that are whole vectors in one block (AVX-512: 16-64, AVX2: 8-16, NEON: 4-16) are read in
  // place, not packed: with a bias, and without one (zeros).
  check_forward<make_geometry(6, 7, 9, 3, 3, 1, 1, 1, 1, false, 64)>(2, activation::linear{}, false);
  check_forward<make_geometry(5, 6, 2, 3, 3, 1, 1, 1, 1, true, 8)>(1, activation::linear{}, false);
  check_forward<make_geometry(5, 6, 6, 3, 3, 1, 2, 1, 1, true, 8)>(2, activation::relu{});
  check_forward<make_geometry(4, 5, 11, 2, 2, 1, 1, 1, 1, false, 4)>(3, activation::linear{}, false);
}

TEST_CASE("conv backward: a compile-time geometry gives the runtime form's gradients to the bit", "[kernels][conv][backward]") {
  check_backward<make_geometry(12, 10, 16, 3, 3, 1, 1, 1, 1, true, 24)>(2);   // dx by the direct kernel
  check_backward<make_geometry(9, 14, 32, 3, 3, 1, 1, 1, 1, false, 70)>(1);   // direct dx, uneven blocks
  check_backward<make_geometry(1, 40, 16, 1, 5, 1, 1, 1, 1, true, 16)>(3);    // Conv1D
  check_backward<make_geometry(11, 10, 3, 3, 3, 2, 2, 1, 1, true, 33)>(2);    // first layer: im2col dx
  check_backward<make_geometry(8, 9, 19, 1, 1, 1, 1, 1, 1, false, 130)>(2);   // pointwise
  check_backward<make_geometry(1, 1, 7, 1, 1, 1, 1, 1, 1, false, 20)>(1);     // pointwise, one row
  check_backward<make_geometry(10, 12, 40, 3, 3, 1, 1, 2, 2, true, 8)>(1);    // dilation, many taps
}
