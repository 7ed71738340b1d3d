// Batch normalization's training kernels (moments and gradient) on every SIMD path against their
// plain twin in double: channel counts below, at and around the vector width, row counts around the
// summation block, gradients with and without batch statistics, and without dx.
#include <tshape/kernels/norm/batch_norm_train.hpp>
#include <tshape/kernels/norm/reference.hpp>

#include <cmath>
#include <vector>

#include "../support.hpp"

using namespace tshape::kernels;

namespace {
template <class V>
void check_batch_norm_train() {
  tshape_test::random_floats rnd(11);
  for (int c : {1, 3, 7, 8, 9, 16, 17, 33, 64})
    for (std::ptrdiff_t rows : {1, 2, 63, 64, 65, 200}) {
      CAPTURE(V::name, c, rows);
      const auto n = static_cast<std::size_t>(rows * c), cs = static_cast<std::size_t>(c);
      std::vector<float> x(n), dy(n), gamma(cs);
      rnd.fill(x, -2.0f, 3.0f);
      rnd.fill(dy);
      rnd.fill(gamma, 0.5f, 1.5f);
      // An offset far from 0 (as activations after ReLU have): the variance is taken about the mean.
      for (std::size_t k = 0; k < n; k += 3) x[k] += 40.0f;

      std::vector<float> mean(cs), variance(cs), partial(cs), mean_ref(cs), variance_ref(cs);
      norm::batch_moments<V>(x.data(), rows, c, mean.data(), variance.data(), partial.data());
      norm::batch_moments_reference(x.data(), rows, c, mean_ref.data(), variance_ref.data());
      tshape_test::require_close(mean, mean_ref, 1e-5, 1e-5);
      tshape_test::require_close(variance, variance_ref, 1e-4, 1e-4);

      std::vector<float> inv_std(cs);
      for (std::size_t i = 0; i < cs; ++i) inv_std[i] = 1.0f / std::sqrt(variance_ref[i] + 1e-3f);
      for (bool batch_statistics : {true, false}) {
        CAPTURE(batch_statistics);
        std::vector<float> dx(n), sum_dy(cs), sum_dy_xhat(cs), dx_ref(n), sum_dy_ref(cs), sum_dy_xhat_ref(cs);
        norm::batch_norm_backward<V>(x.data(), dy.data(), dx.data(), rows, c, gamma.data(), mean_ref.data(),
                                     inv_std.data(), batch_statistics, sum_dy.data(), sum_dy_xhat.data(),
                                     partial.data());
        norm::batch_norm_backward_reference(x.data(), dy.data(), dx_ref.data(), rows, c, gamma.data(),
                                            mean_ref.data(), inv_std.data(), batch_statistics, sum_dy_ref.data(),
                                            sum_dy_xhat_ref.data());
        tshape_test::require_close(sum_dy, sum_dy_ref, 1e-5, 1e-4);
        tshape_test::require_close(sum_dy_xhat, sum_dy_xhat_ref, 1e-5, 1e-4);
        tshape_test::require_close(dx, dx_ref, 1e-4, 1e-5);
      }
      // Without dx (the first layer): the parameters' gradients alone.
      std::vector<float> sum_dy(cs), sum_dy_xhat(cs), sum_dy_ref(cs), sum_dy_xhat_ref(cs);
      norm::batch_norm_backward<V>(x.data(), dy.data(), nullptr, rows, c, gamma.data(), mean_ref.data(),
                                   inv_std.data(), true, sum_dy.data(), sum_dy_xhat.data(), partial.data());
      norm::batch_norm_backward_reference(x.data(), dy.data(), nullptr, rows, c, gamma.data(), mean_ref.data(),
                                          inv_std.data(), true, sum_dy_ref.data(), sum_dy_xhat_ref.data());
      tshape_test::require_close(sum_dy, sum_dy_ref, 1e-5, 1e-4);
      tshape_test::require_close(sum_dy_xhat, sum_dy_xhat_ref, 1e-5, 1e-4);
    }
}
}  // namespace

TEST_CASE("batch norm training kernels: the native SIMD path matches the reference", "[kernels][norm]") {
  check_batch_norm_train<simd::native>();
}
#if defined(TSHAPE_SIMD_AVX512)
TEST_CASE("batch norm training kernels: the AVX2 path matches the reference", "[kernels][norm]") {
  check_batch_norm_train<simd::avx2>();
}
#endif
TEST_CASE("batch norm training kernels: the scalar path matches the reference", "[kernels][norm]") {
  check_batch_norm_train<simd::scalar>();
}
