// The convolution a layer calls, dispatched by shape at run time and by target at compile time:
//   1x1 windows with stride 1 are a matrix product (batch*h*w, c) x (c, oc): all pixels of the batch
//   become one long row of the direct kernel, whose tile is then a GEMM micro-kernel of 24 accumulators
//   (it measured 1.5x faster than gemm::blocked's 16 on 1x112x112x32->64 with AVX-512);
//   everything else runs the direct kernel (direct.hpp) on the widest SIMD the target has, with the
//   first-layer tile for 1-4 input channels.
// Activations that have a register form are fused into the stores; the others run in a second pass.
#pragma once
#include <cstddef>

#include "../../config.hpp"
#include "../activation/activation.hpp"
#include "../simd/simd.hpp"
#include "direct.hpp"
#include "geometry.hpp"

namespace tshape::kernels::conv {

/// True when the convolution is a plain matrix product over pixels.
constexpr bool is_pointwise(const window_geometry& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && !g.padded();
}

/// The pointwise product of `batch` samples as one row of pixels.
constexpr window_geometry as_one_row(const window_geometry& g, int batch) {
  return make_geometry(1, batch * g.h * g.w, g.c, 1, 1, 1, 1, 1, 1, false, g.oc);
}

/// Floats of working memory conv2d<V> needs for geometry g.
template <class V = simd::native>
constexpr std::size_t scratch_floats(const window_geometry& g) {
  return is_pointwise(g) ? detail::round_floats(packed_floats<V>(g)) : direct_scratch_floats<V>(g);
}

/// y (batch, oh, ow, oc) = act(conv(x, kernel) + bias), Keras' Conv2D on NHWC data and an HWIO kernel.
/// bias may be null; scratch holds scratch_floats<V>(g) floats, 64-byte aligned.
template <class V = simd::native, class Act>
void conv2d(const window_geometry& g, const float* x, const float* kernel, const float* bias, float* y, int batch,
            float* scratch, const Act& act) {
  if (batch <= 0) return;
  if constexpr (!Act::vectorized) {
    conv2d<V>(g, x, kernel, bias, y, batch, scratch, activation::linear{});
    activation::apply_inplace(act, y, static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(g.output_floats()));
  } else if (is_pointwise(g)) {
    direct<V>(as_one_row(g, batch), x, kernel, bias, y, 1, scratch, act);
  } else {
    direct<V>(g, x, kernel, bias, y, batch, scratch, act);
  }
}

}  // namespace tshape::kernels::conv
