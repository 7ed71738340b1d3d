// The transposed convolution as one matrix product and a scatter (geometry.hpp has the definition):
//   cols (pixels, kh * kw * f) = x (pixels, c) . kernel^T      (kernel as the (kh * kw * f, c) matrix)
//   y += cols, each pixel's row added to the kh x kw output cells it reaches (col2im)
// and its gradients, the same steps reversed:
//   dcols = dy gathered under each pixel's taps (im2col, zeros off the output)
//   dx = dcols . kernel,  dkernel += dcols^T . x,  dbias += the sum of dy's rows
// The products run on the GEMM kernels (gemm.hpp, transposed.hpp), over chunks of samples so that
// the working memory stays bounded whatever the batch.
// Measured against a direct kernel (each output cell gathering the taps that reach it, dot products
// over the input channels; g++ 12 -O2 -march=native, one thread, best of 7): 7x7x64 -> 32 filters,
// 3x3 stride 2 'same', batch 32: 1.3 ms here, 47 ms direct; 16x16x128 -> 64, 2x2 stride 2, batch 4:
// 1.5 ms, 58 ms; 5x5x4 -> 4, batch 1: 1.7 us, 3.6 us. The product's tiles outrun any per-cell loop,
// and the scatter is a fraction of the product's work (it adds each of cols' floats once).
#pragma once
#include <algorithm>
#include <cstddef>

#include "../activation/activation.hpp"
#include "../gemm/gemm.hpp"
#include "../gemm/transposed.hpp"
#include "geometry.hpp"

namespace tshape::kernels::conv_transpose {

/// Samples per chunk: enough pixel rows for the product to run at speed (about 512).
constexpr int chunk_samples(const geometry& g, int batch) {
  const int pixels = g.h * g.w;
  return std::max(1, std::min(batch, (512 + pixels - 1) / pixels));
}
constexpr std::size_t round16(std::size_t n) { return (n + 15) / 16 * 16; }
/// cols of one chunk.
constexpr std::size_t cols_floats(const geometry& g, int batch) {
  return round16(static_cast<std::size_t>(chunk_samples(g, batch)) * g.h * g.w * g.taps() * g.f);
}
/// forward's scratch: the kernel transposed to (c, kh * kw * f), then cols.
constexpr std::size_t scratch_floats(const geometry& g, int batch) {
  return batch <= 0 ? 0 : round16(static_cast<std::size_t>(g.c) * g.taps() * g.f) + cols_floats(g, batch);
}

/// y (samples, oh, ow, f) += the scatter of cols (samples, h, w, kh, kw, f).
template <geometry G>
void scatter_add(const float* cols, float* y, int samples) {
  constexpr std::ptrdiff_t row = static_cast<std::ptrdiff_t>(G.taps()) * G.f;
  for (int n = 0; n < samples; ++n) {
    float* ys = y + static_cast<std::ptrdiff_t>(n) * G.oh * G.ow * G.f;
    for (int i = 0; i < G.h; ++i)
      for (int j = 0; j < G.w; ++j) {
        const float* src = cols + ((static_cast<std::ptrdiff_t>(n) * G.h + i) * G.w + j) * row;
        for (int a = 0; a < G.kh; ++a) {
          const int r = i * G.sh + a - G.pad_top;
          if (r < 0 || r >= G.oh) continue;
          for (int b = 0; b < G.kw; ++b) {
            const int col = j * G.sw + b - G.pad_left;
            if (col < 0 || col >= G.ow) continue;
            float* o = ys + (static_cast<std::ptrdiff_t>(r) * G.ow + col) * G.f;
            const float* s = src + (a * G.kw + b) * G.f;
            for (int k = 0; k < G.f; ++k) o[k] += s[k];
          }
        }
      }
  }
}

/// dcols (samples, h, w, kh, kw, f) = dz under each pixel's taps, zeros where a tap is off the output.
template <geometry G>
void gather(const float* dz, float* dcols, int samples) {
  constexpr std::ptrdiff_t row = static_cast<std::ptrdiff_t>(G.taps()) * G.f;
  for (int n = 0; n < samples; ++n) {
    const float* ds = dz + static_cast<std::ptrdiff_t>(n) * G.oh * G.ow * G.f;
    for (int i = 0; i < G.h; ++i)
      for (int j = 0; j < G.w; ++j) {
        float* dst = dcols + ((static_cast<std::ptrdiff_t>(n) * G.h + i) * G.w + j) * row;
        for (int a = 0; a < G.kh; ++a) {
          const int r = i * G.sh + a - G.pad_top;
          for (int b = 0; b < G.kw; ++b) {
            const int col = j * G.sw + b - G.pad_left;
            float* d = dst + (a * G.kw + b) * G.f;
            if (r < 0 || r >= G.oh || col < 0 || col >= G.ow)
              std::fill_n(d, G.f, 0.0f);
            else
              std::copy_n(ds + (static_cast<std::ptrdiff_t>(r) * G.ow + col) * G.f, G.f, d);
          }
        }
      }
  }
}

/// y (batch, oh, ow, f) = bias + the transposed convolution of x (batch, h, w, c) with kernel
/// (kh, kw, f, c); bias may be null; no activation. scratch: scratch_floats(G, batch).
template <geometry G>
void forward(const float* x, const float* kernel, const float* bias, float* y, int batch, float* scratch) {
  if (batch <= 0) return;
  constexpr int N = G.taps() * G.f;
  // The kernel as (c, kh * kw * f), so that the product is the plain one Dense runs.
  float* wt = scratch;
  for (int t = 0; t < N; ++t)
    for (int ci = 0; ci < G.c; ++ci) wt[static_cast<std::ptrdiff_t>(ci) * N + t] = kernel[static_cast<std::ptrdiff_t>(t) * G.c + ci];
  float* cols = scratch + round16(static_cast<std::size_t>(G.c) * N);
  constexpr std::ptrdiff_t in = static_cast<std::ptrdiff_t>(G.h) * G.w * G.c, out = static_cast<std::ptrdiff_t>(G.oh) * G.ow * G.f;
  const int chunk = chunk_samples(G, batch);
  for (int n0 = 0; n0 < batch; n0 += chunk) {
    const int samples = std::min(chunk, batch - n0);
    float* ys = y + n0 * out;
    if (bias)
      for (std::ptrdiff_t p = 0; p < samples * G.oh * G.ow; ++p) std::copy_n(bias, G.f, ys + p * G.f);
    else
      std::fill_n(ys, samples * out, 0.0f);
    gemm::dense(samples * G.h * G.w, N, G.c, x + n0 * in, wt, nullptr, cols, activation::linear{});
    scatter_add<G>(cols, ys, samples);
  }
}

/// backward's scratch for `samples` at a time: dcols.
constexpr std::size_t backward_scratch_floats(const geometry& g, int batch) { return batch <= 0 ? 0 : cols_floats(g, batch); }

/// The gradients of `samples` samples given dz = dL/d(pre-activation) (samples, oh, ow, f):
/// dx = (overwritten; skipped when null), dkernel += and dbias += (each skipped when null).
template <geometry G>
void backward_chunk(const float* x, const float* dz, const float* kernel, float* dkernel, float* dbias, float* dx,
                    int samples, float* dcols) {
  constexpr int N = G.taps() * G.f;
  const int pixels = samples * G.h * G.w;
  gather<G>(dz, dcols, samples);
  if (dx) gemm::dense(pixels, G.c, N, dcols, kernel, nullptr, dx, activation::linear{});
  if (dkernel) gemm::gemm_tn(N, G.c, pixels, dcols, x, dkernel);
  if (dbias) gemm::add_column_sums(samples * G.oh * G.ow, G.f, dz, dbias);
}

}  // namespace tshape::kernels::conv_transpose
