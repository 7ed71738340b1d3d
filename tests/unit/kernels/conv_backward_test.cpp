// The convolution's backward kernel against its scalar reference: odd sizes, strides 1-3, dilation,
// 'same' and 'valid' windows hanging over the border, batches of 1 and 3, 1-5 channels and wider,
// 1x1 (the pointwise GEMMs), and batches split into several chunks.
#include <tshape/kernels/conv/backward.hpp>
#include <tshape/kernels/conv/reference.hpp>

#include <string>
#include <vector>

#include "../support.hpp"

using namespace tshape::kernels;

namespace {

struct grad_case {
  int batch, h, w, c, oc, kh, kw, sh, sw, dh, dw;
  bool same;
};

std::string describe(const grad_case& k) {
  return "batch " + std::to_string(k.batch) + ", " + std::to_string(k.h) + "x" + std::to_string(k.w) + "x" +
         std::to_string(k.c) + " -> " + std::to_string(k.oc) + ", kernel " + std::to_string(k.kh) + "x" +
         std::to_string(k.kw) + ", strides " + std::to_string(k.sh) + "x" + std::to_string(k.sw) + ", dilation " +
         std::to_string(k.dh) + "x" + std::to_string(k.dw) + (k.same ? ", same" : ", valid");
}

const std::vector<grad_case>& cases() {
  static const std::vector<grad_case> all = {
      // batch, h, w, c, oc, kh, kw, sh, sw, dh, dw, same
      {1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, false},
      {1, 5, 5, 1, 1, 3, 3, 1, 1, 1, 1, true},
      {3, 7, 6, 2, 3, 3, 3, 2, 2, 1, 1, true},    // stride 2 on an odd and an even axis
      {3, 7, 9, 3, 5, 3, 3, 1, 1, 1, 1, true},
      {1, 8, 8, 2, 4, 3, 3, 2, 2, 1, 1, true},    // pads 0 / 1
      {3, 7, 7, 4, 3, 3, 3, 2, 2, 1, 1, true},    // pads 1 / 1
      {1, 9, 10, 5, 2, 4, 4, 2, 2, 1, 1, true},   // even kernel: pads 1 / 2
      {3, 10, 11, 3, 4, 3, 2, 3, 3, 1, 1, true},  // stride 3
      {1, 11, 10, 2, 3, 3, 3, 3, 2, 1, 1, false}, // stride 3, valid: trailing cells unread
      {3, 9, 9, 1, 2, 2, 2, 3, 3, 1, 1, false},   // stride larger than the window: cells between unread
      {1, 11, 10, 3, 4, 3, 3, 1, 1, 2, 1, true},  // row dilation, pads 2 / 2
      {3, 10, 12, 2, 5, 3, 3, 1, 1, 2, 2, true},  // dilation on both axes
      {1, 12, 13, 5, 3, 3, 2, 1, 1, 2, 3, false}, // dilation, valid, uneven kernel
      {3, 6, 7, 4, 3, 2, 3, 1, 1, 3, 2, true},    // dilated window wider than half the input
      {1, 2, 2, 3, 4, 3, 3, 1, 1, 1, 1, true},    // window larger than the input
      {3, 3, 3, 2, 5, 5, 5, 2, 2, 1, 1, true},    // window larger than the input, strided
      {1, 1, 1, 3, 2, 3, 3, 1, 1, 1, 1, true},    // one pixel
      {3, 5, 7, 5, 9, 1, 1, 1, 1, 1, 1, false},   // 1x1: the pointwise GEMMs
      {1, 5, 7, 1, 1, 1, 1, 1, 1, 1, 1, true},    // 1x1 'same' pads nothing
      {3, 9, 8, 4, 3, 1, 1, 2, 2, 1, 1, true},    // 1x1 with stride 2: im2col
      {3, 1, 17, 3, 4, 1, 5, 1, 2, 1, 1, true},   // one row: a Conv1D
      {1, 1, 19, 2, 3, 1, 3, 1, 1, 1, 3, false},  // Conv1D, dilated
      {3, 9, 8, 16, 24, 3, 3, 1, 1, 1, 1, true},  // wider channels: the GEMMs' vector loops or BLAS
      {1, 12, 11, 32, 40, 3, 3, 2, 2, 1, 1, true},
      {3, 16, 16, 8, 20, 5, 5, 1, 1, 1, 1, true}, // products beyond the BLAS threshold
      // Stride 1 with 16 channels and more: dx by the direct kernel on dz padded by window - 1 - pad.
      {1, 7, 8, 16, 5, 2, 2, 1, 1, 1, 1, true},   // 'same' pads 0 / 1: the transposed pads 1 / 0
      {3, 9, 8, 17, 3, 4, 3, 1, 1, 1, 1, true},   // even window, odd channels
      {1, 10, 9, 20, 6, 3, 3, 1, 1, 2, 2, true},  // dilation
      {3, 8, 9, 16, 2, 3, 2, 1, 1, 1, 2, false},  // valid: pads window - 1 on each side; dz of 2 channels
      {1, 3, 9, 24, 4, 5, 5, 1, 1, 1, 1, true},   // window larger than the input's rows
      {3, 1, 21, 32, 8, 1, 5, 1, 1, 1, 1, true},  // a Conv1D
  };
  return all;
}

/// tolerance: absolute and relative; dkernel sums batch * oh * ow products, in float.
template <class V>
void check(const grad_case& k, double tolerance = 1e-4) {
  const auto g = make_geometry(k.h, k.w, k.c, k.kh, k.kw, k.sh, k.sw, k.dh, k.dw, k.same, k.oc);
  INFO(V::name << ": " << describe(k));
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(k.h * 131 + k.c * 7 + k.oc + k.sh));
  std::vector<float> x(static_cast<std::size_t>(k.batch) * g.input_floats());
  std::vector<float> dz(static_cast<std::size_t>(k.batch) * g.output_floats());
  std::vector<float> kernel(static_cast<std::size_t>(k.kh) * k.kw * k.c * k.oc);
  rnd.fill(x);
  rnd.fill(dz);
  rnd.fill(kernel);
  // The weight gradients accumulate: start both from the same nonzero values.
  std::vector<float> dk_expected(kernel.size()), db_expected(static_cast<std::size_t>(k.oc));
  rnd.fill(dk_expected);
  rnd.fill(db_expected);
  std::vector<float> dk_got = dk_expected, db_got = db_expected;
  std::vector<float> dx_expected(x.size()), dx_got(x.size(), 12345.0f);
  conv::reference_backward(g, x.data(), dz.data(), kernel.data(), dk_expected.data(), db_expected.data(),
                           dx_expected.data(), k.batch);
  std::vector<float> scratch(conv::backward_scratch_floats(g, k.batch) + 16);
  conv::backward<V>(g, x.data(), dz.data(), kernel.data(), dk_got.data(), db_got.data(), dx_got.data(), k.batch,
                    scratch.data());
  tshape_test::require_close(dk_got, dk_expected, tolerance, tolerance);
  tshape_test::require_close(db_got, db_expected, tolerance, tolerance);
  tshape_test::require_close(dx_got, dx_expected, tolerance, tolerance);

  // Each output alone: no weight gradients, or no dx.
  std::vector<float> dk_only(kernel.size(), 0.0f), dx_only(x.size(), 12345.0f);
  conv::backward<V>(g, x.data(), dz.data(), kernel.data(), dk_only.data(), nullptr, nullptr, k.batch, scratch.data());
  conv::backward<V>(g, x.data(), dz.data(), kernel.data(), nullptr, nullptr, dx_only.data(), k.batch, scratch.data());
  std::vector<float> dk_zero(kernel.size(), 0.0f);
  conv::reference_backward(g, x.data(), dz.data(), kernel.data(), dk_zero.data(), nullptr, nullptr, k.batch);
  tshape_test::require_close(dk_only, dk_zero, tolerance, tolerance);
  tshape_test::require_close(dx_only, dx_expected, tolerance, tolerance);
}

template <class V>
void check_all() {
  for (const auto& k : cases()) check<V>(k);
}

}  // namespace

TEST_CASE("conv backward: the native SIMD path matches the reference", "[kernels][conv][backward]") {
  check_all<simd::native>();
}
#if defined(TSHAPE_SIMD_AVX512)
TEST_CASE("conv backward: the AVX2 path matches the reference", "[kernels][conv][backward]") { check_all<simd::avx2>(); }
#endif
TEST_CASE("conv backward: the scalar path matches the reference", "[kernels][conv][backward]") {
  check_all<simd::scalar>();
}

TEST_CASE("conv backward: a large batch runs in chunks of bounded memory", "[kernels][conv][backward]") {
  // 3 x 3 x 8 taps on 32-pixel rows: 2304 floats of im2col per output row, so 28 rows per chunk,
  // which end inside samples and span two samples.
  const grad_case k{3, 32, 32, 8, 8, 3, 3, 1, 1, 1, 1, true};
  const auto g = make_geometry(k.h, k.w, k.c, k.kh, k.kw, k.sh, k.sw, k.dh, k.dw, k.same, k.oc);
  CHECK(!conv::dx_by_direct(g));
  CHECK(conv::backward_chunk_rows(g, 3) == 28);
  CHECK(conv::backward_scratch_floats(g, 3) == conv::backward_scratch_floats(g, 1000));
  CHECK(conv::backward_scratch_floats(g, 3) <= conv::backward_chunk_floats);
  check<simd::native>(k, 3e-4);
  // With 16 channels dx comes from the direct kernel, which takes whole samples: chunks of 2^18 / (32 *
  // 32 * 40) = 6 samples, each run through im2col in passes of 14 rows.
  const grad_case d{8, 32, 32, 16, 40, 3, 3, 1, 1, 1, 1, true};
  const auto gd = make_geometry(d.h, d.w, d.c, d.kh, d.kw, d.sh, d.sw, d.dh, d.dw, d.same, d.oc);
  CHECK(conv::dx_by_direct(gd));
  CHECK(conv::backward_chunk_rows(gd, 8) == 6 * 32);
  CHECK(conv::backward_scratch_floats(gd, 3) == conv::backward_scratch_floats(gd, 1000));
  check<simd::native>(d, 1e-3);  // 8192 products per dkernel element
  check<simd::scalar>(d, 1e-3);
  // The cases listed for the direct path take it; fewer channels or columns, or a stride, do not.
  CHECK(conv::dx_by_direct(make_geometry(7, 8, 16, 2, 2, 1, 1, 1, 1, true, 5)));
  CHECK(conv::dx_by_direct(make_geometry(8, 9, 16, 3, 2, 1, 1, 1, 2, false, 2)));
  CHECK(conv::dx_by_direct(make_geometry(1, 21, 32, 1, 5, 1, 1, 1, 1, true, 8)));
  CHECK(!conv::dx_by_direct(make_geometry(8, 9, 15, 3, 3, 1, 1, 1, 1, true, 8)));
  CHECK(!conv::dx_by_direct(make_geometry(8, 7, 16, 3, 3, 1, 1, 1, 1, true, 8)));
  CHECK(!conv::dx_by_direct(make_geometry(8, 9, 16, 3, 3, 1, 2, 1, 1, true, 8)));
  // A small geometry takes the whole batch at once, and a pointwise one needs only its kernel transposed.
  CHECK(conv::backward_chunk_rows(make_geometry(7, 6, 2, 3, 3, 2, 2, 1, 1, true, 3), 5) == 5 * 4);
  CHECK(conv::backward_scratch_floats(make_geometry(9, 9, 32, 1, 1, 1, 1, 1, 1, true, 8), 64) == 32 * 8);
  check<simd::native>({3, 5, 1000, 8, 3, 3, 3, 2, 2, 1, 1, true}, 5e-4);   // wide rows: one output row per chunk
  check<simd::native>({5, 20, 70, 3, 70, 1, 1, 1, 1, 1, 1, false}, 5e-4);  // pointwise, in chunks of 13 rows
  check<simd::scalar>({2, 9, 600, 16, 5, 3, 2, 1, 3, 2, 1, false}, 5e-4);  // dilated rows, 3 output rows per chunk
}
