// Int8 Conv2D (TFLite's ConvPerChannel) as the int8 Dense on image patches: each output pixel's
// receptive field (kh x kw x cin, channels-last) is one row of `in` = kh * kw * cin bytes, and the
// weights, packed as the Dense packs (cout, in), are the filters in TFLite's OHWI order (Keras' HWIO
// transposed). Padding cells hold the input's zero point, so that x - zp is 0 there, exactly as the
// reference skips them. Every Dense path (dense.hpp) serves, bit-exact as it is.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dense.hpp"

namespace tshape::kernels::quant {

/// One convolution's geometry, NHWC; out_h/out_w and the top/left padding as the caller computed them
/// (Keras' 'same' puts the odd padding cell at the bottom/right).
struct conv_geometry {
  int h, w, cin, kh, kw, cout, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0, out_h, out_w;
  constexpr int patch() const { return kh * kw * cin; }
  constexpr std::size_t patch_bytes() const {  // scratch for one image's patches
    return static_cast<std::size_t>(out_h) * out_w * patch();
  }
};

/// One image's patches: (out_h * out_w, kh * kw * cin), padding cells at the zero point.
inline void im2col(const conv_geometry& g, const std::int8_t* x, std::int8_t zero_point, std::int8_t* cols) {
  for (int oy = 0; oy < g.out_h; ++oy)
    for (int ox = 0; ox < g.out_w; ++ox)
      for (int ky = 0; ky < g.kh; ++ky) {
        const int iy = oy * g.stride_h - g.pad_top + ky;
        for (int kx = 0; kx < g.kw; ++kx) {
          const int ix = ox * g.stride_w - g.pad_left + kx;
          std::int8_t* dst = cols + ((static_cast<std::size_t>(oy) * g.out_w + ox) * g.kh * g.kw + ky * g.kw + kx) * g.cin;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w)
            std::memset(dst, zero_point, static_cast<std::size_t>(g.cin));
          else
            std::memcpy(dst, x + (static_cast<std::size_t>(iy) * g.w + ix) * g.cin, static_cast<std::size_t>(g.cin));
        }
      }
}

using dense_fn = void (*)(int, int, int, const std::int8_t*, const std::int8_t*, const requantization&, std::int8_t*);

/// y (batch, out_h, out_w, cout) from x (batch, h, w, cin); `scratch` holds g.patch_bytes() bytes.
/// `path` is the Dense that runs (the target's fastest by default; tests pass each).
inline void conv2d(const conv_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                   const requantization& q, std::int8_t* scratch, std::int8_t* y, dense_fn path = dense) {
  const std::size_t in_image = static_cast<std::size_t>(g.h) * g.w * g.cin;
  const std::size_t out_image = static_cast<std::size_t>(g.out_h) * g.out_w * g.cout;
  for (int b = 0; b < batch; ++b) {
    im2col(g, x + b * in_image, static_cast<std::int8_t>(q.input_zero_point), scratch);
    path(g.out_h * g.out_w, g.patch(), g.cout, scratch, packed, q, y + b * out_image);
  }
}

/// The plain twin: TFLite's reference ConvPerChannel loops on OHWI weights, skipping padding taps.
inline void conv2d_reference(const conv_geometry& g, int batch, const std::int8_t* x, const std::int8_t* w,
                             const requantization& q, std::int8_t* y) {
  for (int b = 0; b < batch; ++b)
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox)
        for (int co = 0; co < g.cout; ++co) {
          std::int32_t acc = 0;
          for (int ky = 0; ky < g.kh; ++ky)
            for (int kx = 0; kx < g.kw; ++kx) {
              const int iy = oy * g.stride_h - g.pad_top + ky, ix = ox * g.stride_w - g.pad_left + kx;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
              for (int ci = 0; ci < g.cin; ++ci)
                acc += (x[((static_cast<std::size_t>(b) * g.h + iy) * g.w + ix) * g.cin + ci] - q.input_zero_point) *
                       w[((static_cast<std::size_t>(co) * g.kh + ky) * g.kw + kx) * g.cin + ci];
            }
          if (q.bias) acc += q.bias[co];
          acc = multiply_by_quantized_multiplier(acc, q.multiplier[co], q.shift[co]) + q.output_zero_point;
          y[((static_cast<std::size_t>(b) * g.out_h + oy) * g.out_w + ox) * g.cout + co] =
              static_cast<std::int8_t>(acc < q.min ? q.min : acc > q.max ? q.max : acc);
        }
}

}  // namespace tshape::kernels::quant
