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

window_geometry geometry(const conv_case& k) {
  return make_geometry(k.h, k.w, k.c, k.kh, k.kw, k.sh, k.sw, k.dh, k.dw, k.same, k.oc);
}

std::string describe(const conv_case& k) {
  return "batch " + std::to_string(k.batch) + ", " + std::to_string(k.h) + "x" + std::to_string(k.w) + "x" +
         std::to_string(k.c) + " -> " + std::to_string(k.oc) + ", kernel " + std::to_string(k.kh) + "x" +
         std::to_string(k.kw) + ", strides " + std::to_string(k.sh) + "x" + std::to_string(k.sw) + ", dilation " +
         std::to_string(k.dh) + "x" + std::to_string(k.dw) + (k.same ? ", same" : ", valid");
}

using conv::conv_path;
constexpr conv_path pointwise = conv_path::pointwise, first_layer = conv_path::first_layer,
                    channel_rich = conv_path::channel_rich;

// A case and the path conv2d must take for it, so that a change to the dispatch cannot leave a path
// without its cases.
struct routed_case {
  conv_case k;
  conv_path path;
};

const std::vector<routed_case>& cases() {
  static const std::vector<routed_case> all = {
      // batch, h, w, c, oc, kh, kw, sh, sw, dh, dw, same
      {{1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, false}, first_layer},
      {{1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, true}, first_layer},
      {{2, 7, 9, 3, 5, 3, 3, 1, 1, 1, 1, true}, first_layer},       // odd sizes, few filters
      {{3, 8, 8, 2, 17, 3, 3, 2, 2, 1, 1, true}, first_layer},      // stride 2 on an even input: pads 0 / 1
      {{1, 7, 7, 4, 33, 3, 3, 2, 2, 1, 1, true}, first_layer},      // stride 2 on an odd input: pads 1 / 1
      {{2, 11, 10, 3, 16, 3, 3, 1, 1, 2, 1, true}, first_layer},    // row dilation: rows 2 apart, pads 2 / 2
      {{1, 13, 9, 1, 7, 3, 2, 1, 1, 3, 1, false}, first_layer},     // row dilation 3, valid
      {{2, 12, 11, 4, 20, 4, 3, 1, 1, 2, 1, true}, first_layer},    // row dilation, even kernel: pads 3 / 3
      {{1, 10, 12, 2, 8, 3, 3, 1, 1, 2, 2, true}, channel_rich},    // column dilation: the channel loop
      {{2, 9, 9, 5, 16, 4, 4, 2, 2, 1, 1, true}, channel_rich},     // even kernel: pads 1 / 2
      {{2, 8, 8, 16, 24, 3, 3, 2, 2, 1, 1, true}, channel_rich},    // stride 2 on an even input: pads 0 / 1
      {{1, 10, 12, 7, 33, 3, 3, 2, 2, 1, 1, true}, channel_rich},   // the same, uneven channel blocks
      {{2, 8, 10, 9, 12, 4, 4, 2, 2, 1, 1, true}, channel_rich},    // even kernel and input: pads 1 / 1
      {{1, 5, 6, 6, 8, 2, 2, 1, 1, 1, 1, true}, channel_rich},      // even kernel, stride 1: pads 0 / 1
      {{2, 11, 10, 7, 24, 3, 3, 1, 1, 2, 2, true}, channel_rich},   // dilation
      {{1, 12, 13, 9, 31, 3, 2, 1, 1, 2, 3, false}, channel_rich},  // dilation, valid, uneven kernel
      {{1, 20, 20, 1, 32, 3, 3, 1, 1, 1, 1, true}, first_layer},    // a first layer
      {{2, 28, 27, 3, 32, 5, 5, 1, 1, 1, 1, true}, first_layer},    // a first layer, 5x5
      {{1, 10, 10, 32, 64, 3, 3, 1, 1, 1, 1, true}, channel_rich},  // channel-rich
      {{1, 14, 15, 40, 70, 3, 3, 1, 1, 1, 1, false}, channel_rich}, // channel-rich, odd filters
      {{2, 8, 9, 19, 48, 1, 1, 1, 1, 1, 1, false}, pointwise},      // 1x1: a product over all pixels
      {{3, 5, 7, 3, 70, 1, 1, 1, 1, 1, 1, true}, pointwise},        // 1x1 'same' pads nothing; few channels
      {{1, 1, 1, 5, 9, 1, 1, 1, 1, 1, 1, false}, pointwise},        // 1x1 on one pixel: one row
      {{1, 9, 9, 8, 20, 1, 1, 2, 2, 1, 1, true}, channel_rich},     // 1x1 with stride 2: direct
      {{1, 6, 17, 13, 3, 1, 7, 1, 3, 1, 1, true}, channel_rich},    // one-row kernel, a Conv1D seen as 2D
      {{1, 1, 30, 16, 16, 1, 5, 1, 1, 1, 1, false}, channel_rich},  // Conv1D valid
      {{4, 3, 3, 2, 130, 3, 3, 1, 1, 1, 1, false}, first_layer},    // output 1x1, many filters
      {{1, 2, 2, 3, 4, 3, 3, 1, 1, 1, 1, true}, first_layer},       // window larger than the input, same
      {{1, 6, 6, 64, 8, 5, 5, 3, 3, 1, 1, true}, channel_rich},     // stride 3
  };
  return all;
}

template <class V, class Act = activation::linear>
void check(const conv_case& k, bool with_bias = true, const Act& act = {}) {
  const auto g = geometry(k);
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
  for (const auto& r : cases()) check<V>(r.k);
  check<V>({2, 7, 9, 3, 5, 3, 3, 1, 1, 1, 1, true}, false);
  check<V>({2, 8, 9, 19, 48, 1, 1, 1, 1, 1, 1, false}, false);
  check<V>({2, 9, 8, 16, 20, 3, 3, 1, 1, 1, 1, true}, true, activation::relu{});
  check<V>({1, 9, 8, 2, 20, 3, 3, 2, 1, 1, 1, true}, true, activation::sigmoid{});
  check<V>({1, 9, 8, 20, 20, 1, 1, 1, 1, 1, 1, true}, true, activation::tanh{});
  check<V>({2, 6, 5, 12, 40, 1, 1, 1, 1, 1, 1, false}, true, activation::relu{});
}

}  // namespace

TEST_CASE("conv kernels: each case takes the path it is listed for, and every path has cases", "[kernels][conv]") {
  int seen[3] = {0, 0, 0};
  for (const auto& r : cases()) {
    INFO(describe(r.k));
    CHECK(conv::path_of(geometry(r.k)) == r.path);
    ++seen[static_cast<int>(r.path)];
  }
  CHECK(seen[static_cast<int>(pointwise)] >= 3);
  CHECK(seen[static_cast<int>(first_layer)] >= 3);
  CHECK(seen[static_cast<int>(channel_rich)] >= 3);
  // The first-layer tile's bounds: 4 channels and column dilation 1; row dilation keeps it.
  CHECK(conv::path_of(make_geometry(9, 9, 4, 3, 3, 1, 1, 2, 1, true, 8)) == first_layer);
  CHECK(conv::path_of(make_geometry(9, 9, 5, 3, 3, 1, 1, 1, 1, true, 8)) == channel_rich);
  CHECK(conv::path_of(make_geometry(9, 9, 4, 3, 3, 1, 1, 1, 2, true, 8)) == channel_rich);
  // 1x1 is the product only with stride 1; 'same' pads a 1x1 window by nothing.
  CHECK(conv::path_of(make_geometry(9, 9, 32, 1, 1, 1, 1, 1, 1, true, 8)) == pointwise);
  CHECK(conv::path_of(make_geometry(9, 9, 32, 1, 1, 1, 2, 1, 1, true, 8)) == channel_rich);
  CHECK(conv::path_of(make_geometry(9, 9, 3, 1, 1, 2, 1, 1, 1, false, 8)) == first_layer);
}

TEST_CASE("conv kernels: the native SIMD path matches the reference", "[kernels][conv]") {
  check_all<tshape::kernels::simd::native>();
}
#if defined(TSHAPE_SIMD_AVX512)
TEST_CASE("conv kernels: the AVX2 path matches the reference", "[kernels][conv]") { check_all<simd::avx2>(); }
#endif
TEST_CASE("conv kernels: the scalar path matches the reference", "[kernels][conv]") { check_all<simd::scalar>(); }

TEST_CASE("conv kernels: a 1x1 with Dense's large weights takes Dense's BLAS path", "[kernels][conv]") {
  // 1024 x 1025 weights (4 MiB) are beyond the inline kernel's bound: with BLAS, cblas_sgemm runs.
  const conv_case k{2, 2, 1, 1024, 1025, 1, 1, 1, 1, 1, 1, false};
  REQUIRE(conv::path_of(geometry(k)) == pointwise);
#ifndef TSHAPE_NO_BLAS
  CHECK(gemm::uses_blas(2 * 2 * 1, 1025, 1024));
#endif
  check<tshape::kernels::simd::native>(k, true, activation::relu{});
}

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
