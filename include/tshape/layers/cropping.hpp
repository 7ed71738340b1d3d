// What Cropping1D and Cropping2D share: the copy of a (rows, cols, channels) window, and its
// gradient. A 1D sample (steps, channels) is one row.
#pragma once
#include <algorithm>
#include <cstddef>

#include "layer.hpp"
#include "spatial_rank.hpp"

namespace tshape::detail {

/// Crops top/bottom rows and left/right columns off each of `batch` (H, W, C) samples.
template <int H, int W, int C, int Top, int Bottom, int Left, int Right>
struct crop_copy {
  static constexpr int OH = H - Top - Bottom, OW = W - Left - Right;
  static constexpr std::ptrdiff_t row_in = static_cast<std::ptrdiff_t>(W) * C, row_out = static_cast<std::ptrdiff_t>(OW) * C;

  static void forward(const float* x, float* y, int batch) {
    for (std::ptrdiff_t n = 0; n < batch; ++n)
      for (std::ptrdiff_t i = 0; i < OH; ++i) {
        const float* src = x + (n * H + Top + i) * row_in + Left * C;
        std::copy_n(src, row_out, y + (n * OH + i) * row_out);
      }
  }
  /// The cropped cells take no part: dx is dy with zeros where they were.
  static void backward(const float* dy, float* dx, int batch) {
    if (batch <= 0) return;
    std::fill_n(dx, static_cast<std::ptrdiff_t>(batch) * H * row_in, 0.0f);
    for (std::ptrdiff_t n = 0; n < batch; ++n)
      for (std::ptrdiff_t i = 0; i < OH; ++i)
        std::copy_n(dy + (n * OH + i) * row_out, row_out, dx + (n * H + Top + i) * row_in + Left * C);
  }
};

}  // namespace tshape::detail
