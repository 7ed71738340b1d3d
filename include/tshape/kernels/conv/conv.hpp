// The convolution a layer calls, dispatched by shape at run time and by target at compile time
// (path_of says which path a geometry takes):
//   pointwise     1x1 windows with stride 1 and no padding are a matrix product (batch*h*w, c) x (c, oc):
//                 Dense's GEMM (kernels/gemm/gemm.hpp), i.e. the register-blocked kernel, or
//                 cblas_sgemm where gemm::uses_blas says so. On 1x112x112x32->64 bench/conv measured the
//                 product 1.16x faster than the direct kernel given the pixels as one long row
//                 (458 against 529 us on a Zen 4 core, bench/README.md);
//   first_layer   the direct kernel (direct.hpp) with its first-layer tile: 1-4 input channels and
//                 column dilation 1, a window row walked as one run;
//   channel_rich  the direct kernel with a channel loop per window cell: everything else.
// The direct kernel runs on the widest SIMD the target has. Activations that have a register form
// are fused into the stores; the others run in a second pass.
#pragma once
#include <cstddef>

#include "../../config.hpp"
#include "../activation/activation.hpp"
#include "../gemm/gemm.hpp"
#include "../simd/simd.hpp"
#include "direct.hpp"
#include "geometry.hpp"

namespace tshape::kernels::conv {

/// True when the convolution is a plain matrix product over pixels.
constexpr bool is_pointwise(const window_geometry& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && !g.padded();
}

/// The kernel conv2d runs for a geometry.
enum class conv_path { pointwise, first_layer, channel_rich };

constexpr conv_path path_of(const window_geometry& g) {
  if (is_pointwise(g)) return conv_path::pointwise;
  return uses_first_layer_tile(g) ? conv_path::first_layer : conv_path::channel_rich;
}

/// Floats of working memory conv2d<V> needs for geometry g (none for the pointwise product).
template <class V = simd::native>
constexpr std::size_t scratch_floats(const window_geometry& g) {
  return is_pointwise(g) ? 0 : direct_scratch_floats<V>(g);
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
    // The HWIO kernel (1, 1, c, oc) is Dense's (c, oc) as it is.
    gemm::dense<V>(batch * g.h * g.w, g.oc, g.c, x, kernel, bias, y, act);
  } else {
    direct<V>(g, x, kernel, bias, y, batch, scratch, act);
  }
}

/// Working memory of conv2d<G, V> with a bias or without: at most scratch_floats<V>(G), less when the
/// kernel is read in place.
template <window_geometry G, class V = simd::native>
constexpr std::size_t scratch_floats(bool bias) {
  return is_pointwise(G) ? 0 : fixed_direct_scratch_floats<V>(G, bias);
}

/// conv2d for a geometry known at compile time, as a layer's is: the same results as conv2d(G, ...),
/// with only the tiles G runs instantiated (the runtime form compiles every tile size it might pick).
template <window_geometry G, class V = simd::native, class Act>
void conv2d(const float* x, const float* kernel, const float* bias, float* y, int batch, float* scratch,
            const Act& act) {
  if (batch <= 0) return;
  if constexpr (!Act::vectorized) {
    conv2d<G, V>(x, kernel, bias, y, batch, scratch, activation::linear{});
    activation::apply_inplace(act, y, static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(G.output_floats()));
  } else if constexpr (is_pointwise(G)) {
    gemm::dense_fixed_rows<G.oc, G.c, V>(batch * G.h * G.w, x, kernel, bias, y, act);
  } else {
    direct<V, G>(x, kernel, bias, y, batch, scratch, act);
  }
}

}  // namespace tshape::kernels::conv
