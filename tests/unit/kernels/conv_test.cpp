#include <tshape/kernels/conv/conv.hpp>
#include <tshape/kernels/conv/reference.hpp>

#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape::kernels;

namespace {

struct conv_case {
  int batch, h, w, c, oc, kh, kw, sh, sw, dh, dw;
  bool same;
};

std::string describe(const conv_case& k) {
  return "batch " + std::to_string(k.batch) + ", " + std::to_string(k.h) + "x" + std::to_string(k.w) + "x" +
         std::to_string(k.c) + " -> " + std::to_string(k.oc) + ", kernel " + std::to_string(k.kh) + "x" +
         std::to_string(k.kw) + ", strides " + std::to_string(k.sh) + "x" + std::to_string(k.sw) + ", dilation " +
         std::to_string(k.dh) + "x" + std::to_string(k.dw) + (k.same ? ", same" : ", valid");
}

template <class V, class Act = activation::linear>
void check(const conv_case& k, bool with_bias = true, const Act& act = {}) {
  const auto g = make_geometry(k.h, k.w, k.c, k.kh, k.kw, k.sh, k.sw, k.dh, k.dw, k.same, k.oc);
  INFO(V::name << ": " << describe(k));
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(k.h * 131 + k.c * 7 + k.oc));
  std::vector<float> x(static_cast<std::size_t>(k.batch) * g.input_floats());
  std::vector<float> kernel(static_cast<std::size_t>(k.kh) * k.kw * k.c * k.oc), bias(static_cast<std::size_t>(k.oc));
  rnd.fill(x);
  rnd.fill(kernel);
  rnd.fill(bias);
  const std::size_t out = static_cast<std::size_t>(k.batch) * g.output_floats();
  std::vector<float> expected(out), got(out, 12345.0f);
  conv::reference(g, x.data(), kernel.data(), with_bias ? bias.data() : nullptr, expected.data(), k.batch);
  for (auto& e : expected) e = act(e);
  std::vector<float, std::allocator<float>> scratch(conv::scratch_floats<V>(g) + 16);
  conv::conv2d<V>(g, x.data(), kernel.data(), with_bias ? bias.data() : nullptr, got.data(), k.batch, scratch.data(), act);
  tshape_test::require_close(got, expected, 1e-4, 1e-4);
}

template <class V>
void check_all() {
  const std::vector<conv_case> cases = {
      // batch, h, w, c, oc, kh, kw, sh, sw, dh, dw, same
      {1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, false},
      {1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, true},
      {2, 7, 9, 3, 5, 3, 3, 1, 1, 1, 1, true},        // odd sizes, few filters
      {3, 8, 8, 2, 17, 3, 3, 2, 2, 1, 1, true},       // stride 2 on an even input: pads 0 / 1
      {1, 7, 7, 4, 33, 3, 3, 2, 2, 1, 1, true},       // stride 2 on an odd input: pads 1 / 1
      {2, 9, 9, 5, 16, 4, 4, 2, 2, 1, 1, true},       // even kernel: pads 1 / 2
      {1, 5, 6, 6, 8, 2, 2, 1, 1, 1, 1, true},        // even kernel, stride 1: pads 0 / 1
      {2, 11, 10, 7, 24, 3, 3, 1, 1, 2, 2, true},     // dilation
      {1, 12, 13, 9, 31, 3, 2, 1, 1, 2, 3, false},    // dilation, valid, uneven kernel
      {1, 20, 20, 1, 32, 3, 3, 1, 1, 1, 1, true},     // a first layer
      {2, 28, 27, 3, 32, 5, 5, 1, 1, 1, 1, true},     // a first layer, 5x5
      {1, 10, 10, 32, 64, 3, 3, 1, 1, 1, 1, true},    // channel-rich
      {1, 14, 15, 40, 70, 3, 3, 1, 1, 1, 1, false},   // channel-rich, odd filters
      {2, 8, 9, 19, 48, 1, 1, 1, 1, 1, 1, false},     // 1x1: the GEMM path
      {1, 9, 9, 8, 20, 1, 1, 2, 2, 1, 1, true},       // 1x1 with stride 2: direct
      {1, 6, 17, 13, 3, 1, 7, 1, 3, 1, 1, true},      // one-row kernel, a Conv1D seen as 2D
      {1, 1, 30, 16, 16, 1, 5, 1, 1, 1, 1, false},    // Conv1D valid
      {4, 3, 3, 2, 130, 3, 3, 1, 1, 1, 1, false},     // output 1x1, many filters
      {1, 2, 2, 3, 4, 3, 3, 1, 1, 1, 1, true},        // window larger than the input, same
      {1, 6, 6, 64, 8, 5, 5, 3, 3, 1, 1, true},       // stride 3
  };
  for (const auto& k : cases) check<V>(k);
  check<V>({2, 7, 9, 3, 5, 3, 3, 1, 1, 1, 1, true}, false);
  check<V>({2, 9, 8, 16, 20, 3, 3, 1, 1, 1, 1, true}, true, activation::relu{});
  check<V>({1, 9, 8, 2, 20, 3, 3, 2, 1, 1, 1, true}, true, activation::sigmoid{});
  check<V>({1, 9, 8, 20, 20, 1, 1, 1, 1, 1, 1, true}, true, activation::tanh{});
}

}  // namespace

TEST_CASE("conv kernels: the native SIMD path matches the reference", "[kernels][conv]") {
  check_all<tshape::kernels::simd::native>();
}
#if defined(TSHAPE_SIMD_AVX512)
TEST_CASE("conv kernels: the AVX2 path matches the reference", "[kernels][conv]") { check_all<simd::avx2>(); }
#endif
TEST_CASE("conv kernels: the scalar path matches the reference", "[kernels][conv]") { check_all<simd::scalar>(); }

TEST_CASE("conv kernels: TensorFlow's 'same' padding puts the odd cell at the end", "[kernels][conv]") {
  auto g = make_geometry(8, 8, 1, 3, 3, 2, 2, 1, 1, true, 1);
  CHECK(g.oh == 4);
  CHECK(g.pad_top == 0);
  CHECK(g.pad_bottom == 1);
  g = make_geometry(7, 9, 1, 3, 4, 2, 2, 1, 1, true, 1);
  CHECK((g.oh == 4 && g.pad_top == 1 && g.pad_bottom == 1));
  CHECK((g.ow == 5 && g.pad_left == 1 && g.pad_right == 2));
  g = make_geometry(5, 5, 1, 1, 1, 2, 2, 1, 1, true, 1);
  CHECK((g.oh == 3 && !g.padded()));
  g = make_geometry(7, 5, 1, 2, 2, 2, 2, 1, 1, false, 1);
  CHECK((g.oh == 3 && g.ow == 2));
}
