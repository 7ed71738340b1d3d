// The example's synthetic task, shared by the host program that trains the model and by the firmware's
// host test: ten classes, which cell of a 4 x 4 grid (its first ten cells) holds a bright 8 x 8 patch,
// in a random colour on a noisy dark background. No heap.
#pragma once
#include <cstdint>

#include <tshape/layers/layer.hpp>

namespace mobilenet {

inline constexpr int image_floats = 32 * 32 * 3;

/// Draws one image (32 x 32 x 3, channels last) into `image` and returns its label.
inline int synthetic_image(float* image, tshape::detail::rng& r) {
  const int label = static_cast<int>(r.next() % 10), top = label / 4 * 8, left = label % 4 * 8;
  float colour[3];
  for (float& c : colour) c = r.uniform(0.5f, 1.0f);
  for (int h = 0; h < 32; ++h)
    for (int w = 0; w < 32; ++w)
      for (int c = 0; c < 3; ++c) {
        const bool bright = h >= top && h < top + 8 && w >= left && w < left + 8;
        image[(h * 32 + w) * 3 + c] = (bright ? colour[c] : 0.1f) + r.uniform(-0.1f, 0.1f);
      }
  return label;
}

}  // namespace mobilenet
