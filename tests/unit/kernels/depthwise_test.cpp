// The depthwise kernel (kernels/conv/depthwise.hpp) against its scalar reference twin over odd shapes,
// strides 1 and 2, dilation, 'same' and 'valid' corners, batch 1 and more, depth multipliers 1 to 3,
// channel counts that leave partial vectors; on the native ISA and on the portable scalar path. And
// its backward against the reference's.
#include <tshape/kernels/conv/depthwise.hpp>
#include <tshape/kernels/conv/depthwise_reference.hpp>

#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape::kernels;

namespace {

struct dw_case {
  int batch, h, w, c, m, kh, kw, sh, sw, dh, dw;
  bool same;
};

window_geometry geometry(const dw_case& k) {
  return make_geometry(k.h, k.w, k.c, k.kh, k.kw, k.sh, k.sw, k.dh, k.dw, k.same, k.c * k.m);
}

std::string describe(const dw_case& k) {
  return "batch " + std::to_string(k.batch) + ", " + std::to_string(k.h) + "x" + std::to_string(k.w) + "x" +
         std::to_string(k.c) + " x" + std::to_string(k.m) + ", kernel " + std::to_string(k.kh) + "x" +
         std::to_string(k.kw) + ", strides " + std::to_string(k.sh) + "x" + std::to_string(k.sw) + ", dilation " +
         std::to_string(k.dh) + "x" + std::to_string(k.dw) + (k.same ? ", same" : ", valid");
}

const std::vector<dw_case>& cases() {
  static const std::vector<dw_case> all = {
      // batch, h, w, c, m, kh, kw, sh, sw, dh, dw, same
      {1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, false},    // one channel: the scalar tail alone
      {1, 5, 5, 1, 2, 3, 3, 1, 1, 1, 1, true},
      {2, 7, 9, 3, 1, 3, 3, 1, 1, 1, 1, true},     // odd sizes
      {3, 8, 8, 16, 1, 3, 3, 2, 2, 1, 1, true},    // stride 2 on an even input: pads 0 / 1
      {1, 7, 7, 33, 1, 3, 3, 2, 2, 1, 1, true},    // stride 2 on an odd input: pads 1 / 1; 33 channels
      {2, 9, 11, 8, 2, 3, 3, 2, 2, 1, 1, true},    // multiplier 2, stride 2
      {1, 11, 10, 7, 2, 3, 3, 1, 1, 2, 2, true},   // dilation 2, same: pads 2 / 2
      {2, 12, 13, 5, 3, 3, 2, 1, 1, 2, 3, false},  // dilation, valid, uneven kernel, multiplier 3
      {2, 9, 9, 20, 1, 4, 4, 2, 2, 1, 1, true},    // even kernel: pads 1 / 2
      {1, 5, 6, 6, 2, 2, 2, 1, 1, 1, 1, true},     // even kernel, stride 1: pads 0 / 1
      {1, 6, 7, 144, 1, 3, 3, 1, 1, 1, 1, true},   // MobileNet's channel counts: whole blocks and single vectors
      {2, 7, 6, 96, 2, 3, 3, 2, 2, 1, 1, true},    // 192 output channels
      {1, 4, 4, 65, 1, 5, 5, 1, 1, 1, 1, true},    // a window wider than the input: every pixel a border one
      {1, 3, 9, 4, 1, 3, 3, 1, 2, 1, 1, false},    // strides differing per axis, valid
      {2, 13, 17, 37, 1, 3, 5, 2, 3, 1, 1, true},  // wide window, odd strides, partial vectors
      {1, 8, 8, 12, 1, 1, 1, 2, 2, 1, 1, true},    // a 1x1 window with stride 2
      {4, 14, 14, 24, 1, 3, 3, 1, 1, 1, 1, false}, // a larger batch, valid
      // Rows wide enough for several row tiles (3-wide windows, stride 1 or 2) of each channel block size.
      {2, 9, 20, 32, 1, 3, 3, 1, 1, 1, 1, true},
      {1, 10, 19, 40, 1, 3, 3, 2, 2, 1, 1, true},
      {1, 8, 23, 24, 2, 3, 3, 1, 1, 1, 1, false},
      {3, 5, 30, 17, 1, 3, 3, 2, 2, 1, 1, false},
      {1, 12, 33, 96, 1, 3, 3, 1, 1, 1, 1, true},
      {1, 7, 26, 80, 1, 3, 3, 1, 2, 1, 1, true},    // column stride 2, row stride 1
      {1, 9, 21, 16, 1, 3, 3, 1, 1, 1, 2, true},    // column dilation: the general tile
      {1, 40, 40, 176, 1, 3, 3, 1, 1, 1, 1, true},  // a sample larger than 1 MiB: row by row
      // Small maps of many channels in a batch: each sample prefetches the next one's (not the last).
      {3, 7, 7, 960, 1, 3, 3, 1, 1, 1, 1, true},
      {2, 7, 7, 163, 1, 3, 3, 2, 2, 1, 1, true},
      {3, 4, 4, 40, 2, 3, 3, 1, 1, 1, 1, true},     // multiplier 2: the copy is read, nothing prefetched
  };
  return all;
}

template <class V, class Act = activation::linear>
void check_forward(const dw_case& k, bool use_bias, const Act& act = {}) {
  const window_geometry g = geometry(k);
  INFO(describe(k) << (use_bias ? ", bias" : ", no bias") << ", " << V::name);
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(k.h * 131 + k.w * 17 + k.c * 3 + k.m));
  std::vector<float> x(static_cast<std::size_t>(k.batch) * g.input_floats()), kernel(static_cast<std::size_t>(k.kh) * k.kw * g.oc),
      bias(static_cast<std::size_t>(g.oc)), y(static_cast<std::size_t>(k.batch) * g.output_floats() + 1, 7.0f),
      expected(y.size() - 1), scratch(conv::depthwise_scratch_floats(g) + 1);
  rnd.fill(x, -2.0f, 2.0f);
  rnd.fill(kernel);
  rnd.fill(bias);
  const float* b = use_bias ? bias.data() : nullptr;
  conv::depthwise<V>(g, x.data(), kernel.data(), b, y.data(), k.batch, scratch.data(), act);
  conv::depthwise_reference(g, x.data(), kernel.data(), b, expected.data(), k.batch);
  for (auto& v : expected) v = act(v);
  CHECK(y.back() == 7.0f);  // nothing written past the output
  y.pop_back();
  tshape_test::require_close(y, expected, 1e-5, 1e-5);
}

}  // namespace

TEST_CASE("depthwise: the native kernel matches the reference", "[kernels][depthwise]") {
  for (const auto& k : cases()) {
    check_forward<simd::native>(k, true);
    check_forward<simd::native>(k, false);
  }
}

TEST_CASE("depthwise: the scalar kernel matches the reference", "[kernels][depthwise]") {
  for (const auto& k : cases()) check_forward<simd::scalar>(k, true);
}

#if defined(TSHAPE_SIMD_AVX512)
TEST_CASE("depthwise: the AVX2 kernel matches the reference", "[kernels][depthwise]") {
  for (const auto& k : cases()) check_forward<simd::avx2>(k, true);
}
#endif

TEST_CASE("depthwise: fused activations, with and without a register form", "[kernels][depthwise]") {
  const dw_case k{2, 9, 8, 19, 2, 3, 3, 2, 2, 1, 1, true};
  check_forward<simd::native>(k, true, activation::relu6{});
  check_forward<simd::native>(k, true, activation::hard_swish{});
  check_forward<simd::native>(k, true, activation::swish{});
}

TEST_CASE("depthwise: backward matches the reference's gradients", "[kernels][depthwise]") {
  for (const auto& k : cases()) {
    const window_geometry g = geometry(k);
    INFO(describe(k));
    tshape_test::random_floats rnd(5);
    std::vector<float> x(static_cast<std::size_t>(k.batch) * g.input_floats()), kernel(static_cast<std::size_t>(k.kh) * k.kw * g.oc),
        dz(static_cast<std::size_t>(k.batch) * g.output_floats());
    rnd.fill(x);
    rnd.fill(kernel);
    rnd.fill(dz);
    std::vector<float> dk(kernel.size(), 0.5f), db(static_cast<std::size_t>(g.oc), 0.25f), dx(x.size(), 9.0f);
    std::vector<float> dk_ref = dk, db_ref = db, dx_ref(x.size());
    conv::depthwise_backward(g, x.data(), dz.data(), kernel.data(), dk.data(), db.data(), dx.data(), k.batch);
    conv::depthwise_reference_backward(g, x.data(), dz.data(), kernel.data(), dk_ref.data(), db_ref.data(),
                                       dx_ref.data(), k.batch);
    tshape_test::require_close(dk, dk_ref, 1e-4, 1e-4);  // added to what was there
    tshape_test::require_close(db, db_ref, 1e-4, 1e-4);
    tshape_test::require_close(dx, dx_ref, 1e-4, 1e-4);  // overwritten
  }
}

namespace {
// At namespace scope: a lambda names them as template arguments without capturing them (clang 14).
constexpr window_geometry g1 = make_geometry(9, 21, 40, 3, 3, 1, 1, 1, 1, true, 40);
constexpr window_geometry g2 = make_geometry(8, 19, 24, 3, 3, 2, 2, 1, 1, true, 48);
constexpr window_geometry g3 = make_geometry(9, 11, 7, 3, 2, 1, 1, 2, 2, false, 7);
}  // namespace

TEST_CASE("depthwise: the compile-time form gives the runtime form's results to the bit", "[kernels][depthwise]") {
  auto check = [](const window_geometry& g, auto fixed) {
    tshape_test::random_floats rnd(8);
    std::vector<float> x(2 * g.input_floats()), kernel(static_cast<std::size_t>(g.kh) * g.kw * g.oc),
        bias(static_cast<std::size_t>(g.oc)), a(2 * g.output_floats()), b(a.size()),
        scratch(conv::depthwise_scratch_floats(g) + 1);
    rnd.fill(x);
    rnd.fill(kernel);
    rnd.fill(bias);
    conv::depthwise(g, x.data(), kernel.data(), bias.data(), a.data(), 2, scratch.data(), activation::relu6{});
    fixed(x.data(), kernel.data(), bias.data(), b.data(), scratch.data());
    CHECK(a == b);
  };
  check(g1, [](const float* x, const float* k, const float* b, float* y, float* s) {
    conv::depthwise<g1>(x, k, b, y, 2, s, activation::relu6{});
  });
  check(g2, [](const float* x, const float* k, const float* b, float* y, float* s) {
    conv::depthwise<g2>(x, k, b, y, 2, s, activation::relu6{});
  });
  check(g3, [](const float* x, const float* k, const float* b, float* y, float* s) {
    conv::depthwise<g3>(x, k, b, y, 2, s, activation::relu6{});
  });
}
