#include <tshape/kernels/norm/batch_norm.hpp>
#include <tshape/kernels/pool/pool.hpp>
#include <tshape/kernels/pool/reference.hpp>

#include <algorithm>
#include <vector>

#include "../support.hpp"

using namespace tshape::kernels;

namespace {
template <class V>
void check_pools() {
  struct pool_case {
    int batch, h, w, c, kh, kw, sh, sw;
    bool same;
  };
  const std::vector<pool_case> cases = {
      {1, 4, 4, 1, 2, 2, 2, 2, false}, {2, 7, 5, 3, 2, 2, 2, 2, false},  {1, 8, 8, 17, 3, 3, 2, 2, true},
      {3, 9, 9, 33, 3, 3, 2, 2, true}, {1, 3, 3, 1, 2, 2, 1, 1, true},   {2, 7, 6, 5, 2, 3, 2, 3, false},
      {1, 1, 9, 16, 1, 4, 1, 3, true}, {2, 5, 5, 40, 5, 5, 1, 1, true}, {1, 6, 7, 2, 3, 2, 1, 2, true},
      // Strides larger than the pool: cells between the windows are skipped.
      {1, 9, 9, 3, 2, 2, 3, 3, false},    // 3 x 3 windows, rows and columns 2, 5, 8 unread
      {2, 10, 7, 17, 2, 3, 4, 3, false},  // 3 x 2, different strides per axis
      // ... with 'same': ceil(in / s) windows, the pad (if any) at the end.
      {2, 7, 7, 16, 2, 2, 3, 3, true},    // pads 0 / 1: the last window has one real row and column
      {1, 8, 8, 5, 2, 2, 3, 3, true},     // pad total 0: the last window ends on the last cell
      {1, 9, 9, 4, 2, 2, 3, 3, true},     // pad total -1, i.e. none: the last cell is never read
      {2, 11, 6, 20, 3, 2, 4, 5, true},   // rows pad 0 / 0, columns 0 / 1
      {1, 9, 11, 33, 1, 2, 2, 3, true},   // a 1-row pool with row stride 2
  };
  tshape_test::random_floats rnd(5);
  for (const auto& k : cases) {
    INFO(V::name << ": " << k.h << "x" << k.w << "x" << k.c << " pool " << k.kh << "x" << k.kw << " strides " << k.sh
                 << "x" << k.sw << (k.same ? " same" : " valid"));
    const auto g = make_geometry(k.h, k.w, k.c, k.kh, k.kw, k.sh, k.sw, 1, 1, k.same, k.c);
    std::vector<float> x(static_cast<std::size_t>(k.batch) * g.input_floats());
    rnd.fill(x, -2.0f, -0.5f);  // all negative: a border padded with 0 would show
    const std::size_t n = static_cast<std::size_t>(k.batch) * g.output_floats();
    std::vector<float> expected(n), got(n);
    pool::reference(g, x.data(), expected.data(), k.batch, true);
    pool::max_pool<V>(g, x.data(), got.data(), k.batch);
    tshape_test::require_close(got, expected, 0, 0);
    pool::reference(g, x.data(), expected.data(), k.batch, false);
    pool::average_pool<V>(g, x.data(), got.data(), k.batch);
    tshape_test::require_close(got, expected, 1e-6, 1e-6);
  }
  for (int c : {1, 5, 16, 37}) {
    std::vector<float> x(static_cast<std::size_t>(2 * 9 * c)), got(static_cast<std::size_t>(2 * c));
    rnd.fill(x);
    pool::global_average_pool<V>(x.data(), got.data(), 2, 9, c);
    for (int n = 0; n < 2; ++n)
      for (int ch = 0; ch < c; ++ch) {
        double s = 0;
        for (int k = 0; k < 9; ++k) {
          s += x[static_cast<std::size_t>((n * 9 + k) * c + ch)];
        }
        CHECK(got[static_cast<std::size_t>(n * c + ch)] == Approx(s / 9).margin(1e-6));
      }
    pool::global_max_pool<V>(x.data(), got.data(), 2, 9, c);
    for (int n = 0; n < 2; ++n)
      for (int ch = 0; ch < c; ++ch) {
        float m = -1e30f;
        for (int k = 0; k < 9; ++k) m = std::max(m, x[static_cast<std::size_t>((n * 9 + k) * c + ch)]);
        CHECK(got[static_cast<std::size_t>(n * c + ch)] == m);
      }
  }
  for (int c : {1, 7, 16, 35}) {
    std::vector<float> x(static_cast<std::size_t>(3 * c)), y(x.size()), scale(static_cast<std::size_t>(c)),
        shift(scale.size());
    rnd.fill(x);
    rnd.fill(scale);
    rnd.fill(shift);
    norm::scale_shift<V>(x.data(), y.data(), 3, c, scale.data(), shift.data());
    for (int r = 0; r < 3; ++r)
      for (int ch = 0; ch < c; ++ch) {
        const auto i = static_cast<std::size_t>(r * c + ch);
        CHECK(y[i] == Approx(x[i] * scale[static_cast<std::size_t>(ch)] + shift[static_cast<std::size_t>(ch)]).margin(1e-6));
      }
  }
}
}  // namespace

TEST_CASE("pool kernels: the native SIMD path matches the reference", "[kernels][pool]") { check_pools<simd::native>(); }
#if defined(TSHAPE_SIMD_AVX512)
TEST_CASE("pool kernels: the AVX2 path matches the reference", "[kernels][pool]") { check_pools<simd::avx2>(); }
#endif
TEST_CASE("pool kernels: the scalar path matches the reference", "[kernels][pool]") { check_pools<simd::scalar>(); }

TEST_CASE("pool geometry: 'same' with strides larger than the pool pads only what the last window needs",
          "[kernels][pool]") {
  auto g = make_geometry(7, 7, 1, 2, 2, 3, 3, 1, 1, true, 1);  // windows at 0, 3, 6: the last needs row 7
  CHECK((g.oh == 3 && g.pad_top == 0 && g.pad_bottom == 1));
  g = make_geometry(8, 8, 1, 2, 2, 3, 3, 1, 1, true, 1);  // windows at 0, 3, 6 end on row 7
  CHECK((g.oh == 3 && !g.padded()));
  g = make_geometry(9, 9, 1, 2, 2, 3, 3, 1, 1, true, 1);  // (3 - 1) * 3 + 2 - 9 < 0: no pad, row 8 unread
  CHECK((g.oh == 3 && !g.padded()));
  g = make_geometry(11, 6, 1, 3, 2, 4, 5, 1, 1, true, 1);
  CHECK((g.oh == 3 && g.ow == 2 && g.pad_top == 0 && g.pad_bottom == 0 && g.pad_left == 0 && g.pad_right == 1));
}
