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
