// Batch normalization in training: the batch's statistics per channel of the last axis, and the
// gradient. Two passes over x for the moments and two over (x, dy) for the gradient: training's
// cost beside the convolutions, so each pass runs on V's registers across the channels (left to the
// vectoriser, g++ -O2 kept them scalar and a BatchNormalization's step took twice its -O3 time).
// Their plain twin, in double, is norm/reference.hpp.
//
// Sums over many rows are taken in blocks (a float sum per block, the blocks added up), so that the
// rounding error grows with the block length plus the number of blocks, not with the row count.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "../../config.hpp"
#include "../simd/simd.hpp"

namespace tshape::kernels::norm {

inline constexpr std::ptrdiff_t sum_block_rows = 64;

namespace detail {
/// out[i] = sum over r < rows of term(r, i) for i < c, in blocks of sum_block_rows rows; term(r, i)
/// gives V::width channels from i on as a register (term<simd::scalar> one); `partial` holds c floats.
template <class V, class Term>
TSHAPE_ALWAYS_INLINE void column_sums(std::ptrdiff_t rows, int c, float* out, float* partial, Term&& term) {
  constexpr int W = V::width;
  const int full = c - c % W;
  std::fill_n(out, c, 0.0f);
  TSHAPE_NO_UNROLL for (std::ptrdiff_t r0 = 0; r0 < rows; r0 += sum_block_rows) {
    std::fill_n(partial, c, 0.0f);
    const std::ptrdiff_t r1 = std::min(rows, r0 + sum_block_rows);
    TSHAPE_NO_UNROLL for (std::ptrdiff_t r = r0; r < r1; ++r) {
      TSHAPE_NO_UNROLL for (int i = 0; i < full; i += W) V::store(partial + i, V::add(V::load(partial + i), term(V{}, r, i)));
      TSHAPE_NO_UNROLL for (int i = full; i < c; ++i) partial[i] += term(simd::scalar{}, r, i);
    }
    TSHAPE_NO_UNROLL for (int i = 0; i < c; ++i) out[i] += partial[i];
  }
}
}  // namespace detail

/// The mean and the biased variance (divided by rows) of x (rows, c) per channel, two passes;
/// `partial` holds c floats. rows > 0. Out of line, as the gradient below: inlined where c is a
/// constant, each was a copy per layer shape, for no speed.
template <class V = simd::native>
TSHAPE_NOINLINE void batch_moments(const float* x, std::ptrdiff_t rows, int c, float* mean, float* variance,
                                   float* partial) {
  const float inv_rows = 1.0f / static_cast<float>(rows);
  detail::column_sums<V>(rows, c, mean, partial, [&](auto v, std::ptrdiff_t r, int i) {
    using U = decltype(v);
    return U::load(x + r * c + i);
  });
  TSHAPE_NO_UNROLL for (int i = 0; i < c; ++i) mean[i] *= inv_rows;
  detail::column_sums<V>(rows, c, variance, partial, [&](auto v, std::ptrdiff_t r, int i) {
    using U = decltype(v);
    const auto d = U::sub(U::load(x + r * c + i), U::load(mean + i));
    return U::mul(d, d);
  });
  TSHAPE_NO_UNROLL for (int i = 0; i < c; ++i) variance[i] *= inv_rows;
}

/// The gradient of y = gamma * (x - mean) * inv_std + beta over x (rows, c), given dy.
/// sum_dy and sum_dy_xhat (c floats each) receive sum dy and sum dy * x_hat per channel (the
/// gradients of beta and gamma); `partial` holds c floats. With batch_statistics, mean and inv_std
/// were the batch's own, so they depend on x:
///   dx = gamma * inv_std * (dy - sum_dy / rows - x_hat * sum_dy_xhat / rows);
/// without (the moving statistics, constants), dx = dy * gamma * inv_std. dx may be null.
template <class V = simd::native>
TSHAPE_NOINLINE void batch_norm_backward(const float* x, const float* dy, float* dx, std::ptrdiff_t rows, int c,
                                         const float* gamma, const float* mean, const float* inv_std,
                                         bool batch_statistics, float* sum_dy, float* sum_dy_xhat, float* partial) {
  const auto x_hat = [&](auto v, std::ptrdiff_t r, int i) {
    using U = decltype(v);
    return U::mul(U::sub(U::load(x + r * c + i), U::load(mean + i)), U::load(inv_std + i));
  };
  detail::column_sums<V>(rows, c, sum_dy, partial, [&](auto v, std::ptrdiff_t r, int i) {
    using U = decltype(v);
    return U::load(dy + r * c + i);
  });
  detail::column_sums<V>(rows, c, sum_dy_xhat, partial, [&](auto v, std::ptrdiff_t r, int i) {
    using U = decltype(v);
    return U::mul(U::load(dy + r * c + i), x_hat(v, r, i));
  });
  if (!dx) return;
  const float inv_rows = 1.0f / static_cast<float>(rows);
  const auto dx_of = [&](auto v, std::ptrdiff_t r, int i) {
    using U = decltype(v);
    const auto k = U::mul(U::load(gamma + i), U::load(inv_std + i));
    const auto g = U::load(dy + r * c + i);
    if (!batch_statistics) return U::mul(k, g);
    const auto n = U::broadcast(inv_rows);
    const auto centred = U::sub(U::sub(g, U::mul(U::load(sum_dy + i), n)),
                                U::mul(x_hat(v, r, i), U::mul(U::load(sum_dy_xhat + i), n)));
    return U::mul(k, centred);
  };
  constexpr int W = V::width;
  const int full = c - c % W;
  TSHAPE_NO_UNROLL for (std::ptrdiff_t r = 0; r < rows; ++r) {
    float* dxr = dx + r * c;
    TSHAPE_NO_UNROLL for (int i = 0; i < full; i += W) V::store(dxr + i, dx_of(V{}, r, i));
    TSHAPE_NO_UNROLL for (int i = full; i < c; ++i) dxr[i] = dx_of(simd::scalar{}, r, i);
  }
}

}  // namespace tshape::kernels::norm
