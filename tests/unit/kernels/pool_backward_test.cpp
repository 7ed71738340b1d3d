// The pooling backward kernels against their scalar reference: windows that overlap, that skip cells,
// that hang over a 'same' border, odd channel counts (partial registers), and ties (the first maximum
// in row-major order takes the gradient).
#include <tshape/kernels/pool/backward.hpp>
#include <tshape/kernels/pool/pool.hpp>
#include <tshape/kernels/pool/reference.hpp>

#include <cmath>
#include <vector>

#include "../support.hpp"

using namespace tshape::kernels;

namespace {

struct pool_case {
  int batch, h, w, c, kh, kw, sh, sw;
  bool same;
};

const std::vector<pool_case>& cases() {
  static const std::vector<pool_case> all = {
      {1, 4, 4, 1, 2, 2, 2, 2, false},  {3, 7, 5, 3, 2, 2, 2, 2, false},  {1, 8, 8, 17, 3, 3, 2, 2, true},
      {3, 9, 9, 33, 3, 3, 2, 2, true},  {1, 3, 3, 1, 2, 2, 1, 1, true},   {3, 7, 6, 5, 2, 3, 2, 3, false},
      {1, 1, 9, 16, 1, 4, 1, 3, true},  {3, 5, 5, 4, 5, 5, 1, 1, true},   {1, 6, 7, 2, 3, 2, 1, 2, true},
      {3, 7, 7, 3, 3, 3, 1, 1, true},   // stride 1: every cell in up to 9 windows
      {1, 9, 9, 3, 2, 2, 3, 3, false},  // strides larger than the pool: cells between the windows
      {3, 10, 7, 17, 2, 3, 4, 3, false},
      {3, 7, 7, 16, 2, 2, 3, 3, true},  // the last window has one real row and column
      {1, 9, 9, 4, 2, 2, 3, 3, true},   // the last cell is never read
      {3, 11, 6, 20, 3, 2, 4, 5, true},
      {1, 1, 13, 5, 1, 3, 1, 2, true},  // a 1D pool
      {1, 1, 1, 7, 2, 2, 1, 1, true},   // one cell, 'same'
      {3, 7, 7, 3, 2, 2, 2, 2, true},   // disjoint windows covering every cell: dx stored, not added
      {1, 8, 6, 18, 2, 3, 2, 3, false}, // the same, valid
  };
  return all;
}

template <class V>
void check(const pool_case& k, bool ties) {
  INFO(V::name << ": " << k.h << "x" << k.w << "x" << k.c << " pool " << k.kh << "x" << k.kw << " strides " << k.sh
               << "x" << k.sw << (k.same ? " same" : " valid") << (ties ? ", ties" : ""));
  const auto g = make_geometry(k.h, k.w, k.c, k.kh, k.kw, k.sh, k.sw, 1, 1, k.same, k.c);
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(k.h * 31 + k.c + k.sh));
  std::vector<float> x(static_cast<std::size_t>(k.batch) * g.input_floats());
  rnd.fill(x, -2.0f, -0.5f);  // all negative: a border padded with 0 would take the maximum
  if (ties)
    for (auto& v : x) v = std::round(v * 2.0f) / 2.0f;  // 4 values: many windows with several maxima
  const std::size_t out = static_cast<std::size_t>(k.batch) * g.output_floats();
  std::vector<float> y(out), dy(out);
  rnd.fill(dy);
  std::vector<float> expected(x.size()), got(x.size(), 12345.0f);

  pool::max_pool<V>(g, x.data(), y.data(), k.batch);
  pool::reference_backward(g, x.data(), dy.data(), expected.data(), k.batch, true);
  pool::max_pool_backward<V>(g, x.data(), y.data(), dy.data(), got.data(), k.batch);
  tshape_test::require_close(got, expected, 1e-6, 1e-6);

  std::fill(got.begin(), got.end(), 12345.0f);
  pool::reference_backward(g, x.data(), dy.data(), expected.data(), k.batch, false);
  pool::average_pool_backward<V>(g, dy.data(), got.data(), k.batch);
  tshape_test::require_close(got, expected, 1e-6, 1e-6);
}

template <class V>
void check_global(int batch, int cells, int c, bool ties) {
  INFO(V::name << ": global, " << cells << " cells x " << c << " channels" << (ties ? ", ties" : ""));
  tshape_test::random_floats rnd(static_cast<std::uint64_t>(cells * 7 + c));
  std::vector<float> x(static_cast<std::size_t>(batch) * cells * c), y(static_cast<std::size_t>(batch) * c),
      dy(y.size());
  rnd.fill(x);
  if (ties)
    for (auto& v : x) v = std::round(v);
  rnd.fill(dy);
  std::vector<float> expected(x.size()), got(x.size(), 12345.0f);
  pool::global_max_pool<V>(x.data(), y.data(), batch, cells, c);
  pool::reference_global_backward(x.data(), dy.data(), expected.data(), batch, cells, c, true);
  pool::global_max_pool_backward<V>(x.data(), y.data(), dy.data(), got.data(), batch, cells, c);
  tshape_test::require_close(got, expected, 0, 0);
  std::fill(got.begin(), got.end(), 12345.0f);
  pool::reference_global_backward(x.data(), dy.data(), expected.data(), batch, cells, c, false);
  pool::global_average_pool_backward<V>(dy.data(), got.data(), batch, cells, c);
  tshape_test::require_close(got, expected, 1e-6, 1e-6);
}

template <class V>
void check_all() {
  for (const auto& k : cases()) {
    check<V>(k, false);
    check<V>(k, true);
  }
  for (int c : {1, 5, 16, 37})
    for (int cells : {1, 9, 30}) {
      check_global<V>(3, cells, c, false);
      check_global<V>(1, cells, c, true);
    }
}

}  // namespace

TEST_CASE("pool backward: the native SIMD path matches the reference", "[kernels][pool][backward]") {
  check_all<simd::native>();
}
#if defined(TSHAPE_SIMD_AVX512)
TEST_CASE("pool backward: the AVX2 path matches the reference", "[kernels][pool][backward]") { check_all<simd::avx2>(); }
#endif
TEST_CASE("pool backward: the scalar path matches the reference", "[kernels][pool][backward]") {
  check_all<simd::scalar>();
}

TEST_CASE("pool backward: a tie goes to the first maximum in row-major order", "[kernels][pool][backward]") {
  // One 2x2 window, one channel, every cell equal: the top-left one takes it all.
  const auto g = make_geometry(2, 2, 1, 2, 2, 2, 2, 1, 1, false, 1);
  const float x[4] = {1, 1, 1, 1}, dy[1] = {3};
  float y[1], dx[4];
  pool::max_pool(g, x, y, 1);
  pool::max_pool_backward(g, x, y, dy, dx, 1);
  CHECK(dx[0] == 3.0f);
  CHECK(dx[1] == 0.0f);
  CHECK(dx[2] == 0.0f);
  CHECK(dx[3] == 0.0f);
  // Bottom row larger: the first of its two cells.
  const float x2[4] = {0, 0, 2, 2};
  pool::max_pool(g, x2, y, 1);
  pool::max_pool_backward(g, x2, y, dy, dx, 1);
  CHECK(dx[2] == 3.0f);
  CHECK(dx[3] == 0.0f);
}
