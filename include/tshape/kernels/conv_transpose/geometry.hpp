// The geometry of a 2D transposed convolution (Keras' Conv2DTranspose, TensorFlow's
// conv2d_transpose): input (h, w, c), kernel (kh, kw, f, c), output (oh, ow, f).
//
// Input cell (i, j) adds x(i, j) . kernel(a, b) to the cell (i * sh + a, j * sw + b) of the "full"
// output, ((h - 1) * sh + kh) x ((w - 1) * sw + kw). The layer's output is the window of oh x ow
// cells of it starting at (pad_top, pad_left); cells past the full output get nothing (bias only).
// That is the gradient of a convolution over an oh x ow input with TensorFlow's padding, which is
// how TensorFlow computes it, so pad_top and pad_left follow TensorFlow's 'same' rule.
#pragma once
#include <algorithm>

namespace tshape::kernels::conv_transpose {

struct geometry {
  int h = 1, w = 1, c = 1;
  int kh = 1, kw = 1, sh = 1, sw = 1;
  int f = 1;
  int oh = 1, ow = 1;
  int pad_top = 0, pad_left = 0;
  constexpr int taps() const { return kh * kw; }
  constexpr bool operator==(const geometry&) const = default;
};

/// Keras' deconv_output_length: the output extent along one axis. output_padding < 0 means none:
/// 'valid' gives n * s + max(k - s, 0), 'same' n * s; with output_padding p, (n - 1) * s + k - 2 * pad + p,
/// pad being k / 2 for 'same' and 0 for 'valid'.
constexpr int output_length(int n, int k, int s, bool same, int output_padding) {
  if (output_padding < 0) return same ? n * s : n * s + std::max(k - s, 0);
  return (n - 1) * s + k - 2 * (same ? k / 2 : 0) + output_padding;
}

/// Cells of the full output before the layer's first: TensorFlow's 'same' padding of the convolution
/// whose gradient this is (max((n - 1) * s + k - out, 0) / 2; the odd cell at the end), none for 'valid'.
constexpr int pad_before(int n, int k, int s, int out, bool same) {
  return same ? std::max((n - 1) * s + k - out, 0) / 2 : 0;
}

constexpr geometry make_geometry(int h, int w, int c, int kh, int kw, int sh, int sw, int f, bool same, int oph,
                                 int opw) {
  geometry g;
  g.h = h, g.w = w, g.c = c, g.kh = kh, g.kw = kw, g.sh = sh, g.sw = sw, g.f = f;
  g.oh = output_length(h, kh, sh, same, oph);
  g.ow = output_length(w, kw, sw, same, opw);
  g.pad_top = pad_before(h, kh, sh, g.oh, same);
  g.pad_left = pad_before(w, kw, sw, g.ow, same);
  return g;
}

}  // namespace tshape::kernels::conv_transpose
