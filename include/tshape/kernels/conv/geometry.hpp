// Where the windows of a convolution or a pooling fall: extents, strides, dilation, and TensorFlow's
// 'same' padding (or Keras' 'causal', all on the left). Shared by the conv and pool kernels; all extents are of one NHWC sample.
#pragma once
#include <cstddef>

namespace tshape::kernels {

struct window_geometry {
  int h = 1, w = 1, c = 1;     // input rows, columns, channels
  int kh = 1, kw = 1;          // window cells
  int sh = 1, sw = 1;          // strides
  int dh = 1, dw = 1;          // dilation
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int oh = 1, ow = 1;          // output rows, columns
  int oc = 1;                  // output channels (filters; c for pooling)

  constexpr int window_h() const { return (kh - 1) * dh + 1; }
  constexpr int window_w() const { return (kw - 1) * dw + 1; }
  constexpr bool padded() const { return pad_top + pad_bottom + pad_left + pad_right > 0; }
  /// Extents of the input once padded: what the windows slide over.
  constexpr int padded_h() const { return h + pad_top + pad_bottom; }
  constexpr int padded_w() const { return w + pad_left + pad_right; }
  constexpr std::size_t input_floats() const { return static_cast<std::size_t>(h) * w * c; }
  constexpr std::size_t output_floats() const { return static_cast<std::size_t>(oh) * ow * oc; }
  constexpr std::size_t padded_floats() const { return static_cast<std::size_t>(padded_h()) * padded_w() * c; }
  /// Multiply-adds of a convolution over one sample.
  constexpr long long madds() const { return 1LL * oh * ow * oc * kh * kw * c; }
};

/// One axis of TensorFlow's padding rule: 'same' gives ceil(in / s) outputs and pads
/// max((out - 1) * s + window - in, 0) cells, the odd one at the end (bottom or right).
struct axis_padding {
  int out, before, after;
};
constexpr axis_padding pad_axis(int in, int window, int stride, bool same) {
  if (!same) return {(in - window) / stride + 1, 0, 0};
  const int out = (in + stride - 1) / stride;
  int total = (out - 1) * stride + window - in;
  if (total < 0) total = 0;
  return {out, total / 2, total - total / 2};
}

/// The geometry of a window of kh x kw cells (dilated by dh, dw) sliding over h x w x c.
constexpr window_geometry make_geometry(int h, int w, int c, int kh, int kw, int sh, int sw, int dh, int dw, bool same,
                                        int oc) {
  window_geometry g;
  g.h = h, g.w = w, g.c = c, g.kh = kh, g.kw = kw, g.sh = sh, g.sw = sw, g.dh = dh, g.dw = dw, g.oc = oc;
  const auto rows = pad_axis(h, g.window_h(), sh, same);
  const auto cols = pad_axis(w, g.window_w(), sw, same);
  g.oh = rows.out, g.pad_top = rows.before, g.pad_bottom = rows.after;
  g.ow = cols.out, g.pad_left = cols.before, g.pad_right = cols.after;
  return g;
}

/// The same geometry with Keras' 'causal' padding of the columns (Conv1D's time axis): the dilated
/// window's extent - 1 zeros on the left and none on the right, so that output column j reads input
/// columns up to j * sw alone; ceil(w / sw) columns out.
constexpr window_geometry causal_columns(window_geometry g) {
  g.pad_left = g.window_w() - 1, g.pad_right = 0;
  g.ow = (g.w - 1) / g.sw + 1;
  return g;
}

/// Floats of one sample with its padding (pad_sample's output).
constexpr std::size_t padded_sample_floats(const window_geometry& g) {
  return static_cast<std::size_t>(g.padded_h()) * static_cast<std::size_t>(g.padded_w()) * static_cast<std::size_t>(g.c);
}

/// Copies one sample into `out` (padded_h x padded_w x c) with zeros around it.
inline void pad_sample(const window_geometry& g, const float* x, float* out) {
  const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(g.padded_w()) * g.c;
  const std::ptrdiff_t left = static_cast<std::ptrdiff_t>(g.pad_left) * g.c;
  const std::ptrdiff_t inner = static_cast<std::ptrdiff_t>(g.w) * g.c;
  for (int i = 0; i < g.padded_h(); ++i) {
    float* o = out + i * row;
    const int src = i - g.pad_top;
    if (src < 0 || src >= g.h) {
      for (std::ptrdiff_t j = 0; j < row; ++j) o[j] = 0.0f;
      continue;
    }
    const float* s = x + src * inner;
    for (std::ptrdiff_t j = 0; j < left; ++j) o[j] = 0.0f;
    for (std::ptrdiff_t j = 0; j < inner; ++j) o[left + j] = s[j];
    for (std::ptrdiff_t j = left + inner; j < row; ++j) o[j] = 0.0f;
  }
}

}  // namespace tshape::kernels
