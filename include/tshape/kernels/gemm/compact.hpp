// The smallest Dense kernel: one plain loop nest, bias and activation fused into the store. It is what
// a microcontroller build runs (TSHAPE_COMPACT_KERNELS, config.hpp): a 16-32-32-4 MLP's forward pass
// is then a few hundred bytes of code, where the register-blocked kernel instantiates dozens of tiles.
#pragma once
#include <cstddef>

#include "../../config.hpp"

namespace tshape::kernels::gemm {

/// y (M x N) = act(x (M x K) * W (K x N) + bias), all row-major and contiguous; bias may be null.
template <class Act>
void compact(int M, int N, int K, const float* TSHAPE_RESTRICT x, const float* TSHAPE_RESTRICT W,
             const float* TSHAPE_RESTRICT bias, float* TSHAPE_RESTRICT y, const Act& act) {
  for (std::ptrdiff_t i = 0; i < M; ++i)
    for (std::ptrdiff_t j = 0; j < N; ++j) {
      float s = bias ? bias[j] : 0.0f;
      for (std::ptrdiff_t k = 0; k < K; ++k) s += x[i * K + k] * W[k * N + j];
      y[i * N + j] = act(s);
    }
}

}  // namespace tshape::kernels::gemm
