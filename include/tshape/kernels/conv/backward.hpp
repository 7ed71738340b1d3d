// The backward pass of a convolution (conv.hpp), given dz = dL/d(pre-activation) (batch, oh, ow, oc):
//   dkernel (kh, kw, c, oc) += the correlation of x with dz        (each tap: x's cells under it . dz)
//   dbias   (oc)            += the sums of dz over batch and pixels
//   dx      (batch, h, w, c) = the transposed convolution of dz with the kernel (padding cropped away)
//
// dkernel is a GEMM over an im2col matrix: col (pixels, kh*kw*c) holds each output pixel's window
// (zeros where it hangs over the padding), so that z = col . kernel and dkernel += col^T . dz, a product
// long in pixels into a small result, which register tiles run (gemm_tn_tall).
// dx takes one of two paths:
//   - stride 1 with enough input channels: a convolution itself, of dz padded by (window - 1 - pad) on
//     each side with the kernel flipped in space and its channels swapped, run by the forward's direct
//     kernel (direct.hpp) on whole samples;
//   - otherwise dcol = dz . kernel^T (Dense's product, gemm.hpp, on the transposed kernel), scattered
//     back onto dx (col2im).
// Output rows go through in chunks whose col fits backward_chunk_floats, so the working memory does
// not grow with the batch (nor, on the im2col path, with the image: the direct path pads whole samples).
// A pointwise convolution (1x1, stride 1, no padding) is its own col: the same products on x and dx.
// The bounds of the window are worked out per window row, so no inner loop tests a cell.
#pragma once
#include <algorithm>
#include <cstddef>

#include "../../config.hpp"
#include "../gemm/gemm.hpp"
#include "../gemm/transposed.hpp"
#include "../simd/simd.hpp"
#include "conv.hpp"
#include "direct.hpp"
#include "geometry.hpp"

#ifndef TSHAPE_UNROLL
#define TSHAPE_UNROLL _Pragma("GCC unroll 32")
#endif

namespace tshape::kernels::conv {

/// The im2col floats one chunk may take: large enough for long GEMMs, small enough that the chunk's
/// im2col, x and dz stay in a core's L2 between im2col and the GEMMs.
inline constexpr std::size_t backward_chunk_floats = std::size_t{1} << 16;

/// Floats of one output pixel's row of the im2col matrix.
constexpr std::ptrdiff_t col_width(const window_geometry& g) { return static_cast<std::ptrdiff_t>(g.kh) * g.kw * g.c; }

/// True when dx comes from the direct kernel (see the header): stride 1, enough input channels (dx's
/// channels, the direct kernel's vector axis) and columns (its tiles' pixels) to fill its registers.
/// Measured on Zen 4 (AVX-512), batch 32: 3-4x faster than im2col's product (then sgemm) and col2im
/// at 28x28x32 from 32 filters, where that product, only `filters` deep, is bound by writing dcol;
/// about even at 7 columns or 8 channels, and slower below.
constexpr bool dx_by_direct(const window_geometry& g) {
  return g.sh == 1 && g.sw == 1 && !is_pointwise(g) && g.c >= 16 && g.w >= 8;
}

/// The geometry of dx as a convolution of dz (see the header): stride 1, the same window, padding
/// window - 1 - pad on each side, so that the output is h x w with c channels.
constexpr window_geometry transposed_geometry(const window_geometry& g) {
  window_geometry t = g;
  t.h = g.oh, t.w = g.ow, t.c = g.oc, t.oc = g.c, t.oh = g.h, t.ow = g.w;
  t.pad_top = g.window_h() - 1 - g.pad_top, t.pad_bottom = g.window_h() - 1 - g.pad_bottom;
  t.pad_left = g.window_w() - 1 - g.pad_left, t.pad_right = g.window_w() - 1 - g.pad_right;
  return t;
}

/// Output rows of one im2col pass: as many as fit backward_chunk_floats, at least one.
constexpr int im2col_rows(const window_geometry& g) {
  const std::size_t row = static_cast<std::size_t>(g.ow) * static_cast<std::size_t>(std::max<std::ptrdiff_t>(col_width(g), g.oc));
  return static_cast<int>(std::max<std::size_t>(backward_chunk_floats / std::max<std::size_t>(row, 1), 1));
}

/// The dz floats (of whole samples) one chunk of the direct path may take: each chunk packs the
/// flipped kernel once (direct.hpp), which small samples would otherwise repeat too often.
inline constexpr std::size_t direct_chunk_floats = std::size_t{1} << 18;

/// Output rows (of ow pixels each, counted through the batch: sample n's row i is n * oh + i) that
/// backward_rows() takes at once: what one im2col pass holds, or whole samples on the direct path. A
/// caller that keeps its own per-chunk buffer (a layer's dz) chunks by the same number.
constexpr int backward_chunk_rows(const window_geometry& g, int batch) {
  const long long rows = 1LL * std::max(batch, 1) * g.oh;
  long long chunk = im2col_rows(g);
  if (dx_by_direct(g))
    chunk = std::max(static_cast<long long>(direct_chunk_floats / std::max<std::size_t>(g.output_floats(), 1)), 1LL) * g.oh;
  return static_cast<int>(std::min(chunk, rows));
}

/// Working memory of backward() and backward_rows() for `batch` samples: the kernel transposed (for
/// dcol or a pointwise dx) or flipped (the direct path), then one im2col pass (none when pointwise),
/// then the direct kernel's own.
constexpr std::size_t backward_scratch_floats(const window_geometry& g, int batch) {
  std::size_t floats = detail::round_floats(static_cast<std::size_t>(col_width(g)) * g.oc);
  if (is_pointwise(g)) return floats;
  const std::size_t rows = static_cast<std::size_t>(std::min(im2col_rows(g), backward_chunk_rows(g, batch)));
  floats += detail::round_floats(rows * g.ow * static_cast<std::size_t>(col_width(g)));
  if (dx_by_direct(g)) floats += direct_scratch_floats<simd::native>(transposed_geometry(g));
  return floats;
}

namespace detail {
/// The window taps [t0, t1) along one axis that fall on real cells, for output index o: the taps t with
/// 0 <= o * stride + t * dilation - pad < n.
struct tap_range {
  int t0, t1;
};
constexpr tap_range real_taps(int o, int stride, int dilation, int pad, int n, int taps) {
  const int start = o * stride - pad;  // the cell under tap 0
  if (dilation == 1) {  // no division: this runs once per output pixel
    const int t1 = std::min(taps, n - start);
    return {std::min(std::max(-start, 0), std::max(t1, 0)), std::max(t1, 0)};
  }
  const int t0 = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  const int t1 = start > n - 1 ? 0 : std::min(taps, (n - 1 - start) / dilation + 1);
  return {std::min(t0, t1), t1};
}

/// y[0..n) = x[0..n), and y[0..n) = 0: short runs (a window row of a few channels) without a call.
template <class V>
TSHAPE_ALWAYS_INLINE void copy_run(const float* x, float* y, std::ptrdiff_t n) {
  constexpr int W = V::width;
  std::ptrdiff_t k = 0;
  for (; k + W <= n; k += W) V::store(y + k, V::load(x + k));
  if (k < n) V::store_partial(y + k, V::load_partial(x + k, static_cast<int>(n - k)), static_cast<int>(n - k));
}
template <class V>
TSHAPE_ALWAYS_INLINE void zero_run(float* y, std::ptrdiff_t n) {
  constexpr int W = V::width;
  std::ptrdiff_t k = 0;
  for (; k + W <= n; k += W) V::store(y + k, V::zero());
  if (k < n) V::store_partial(y + k, V::zero(), static_cast<int>(n - k));
}

/// y[0..n) += x[0..n).
template <class V>
TSHAPE_ALWAYS_INLINE void add_to(const float* x, float* y, std::ptrdiff_t n) {
  constexpr int W = V::width;
  std::ptrdiff_t k = 0;
  for (; k + W <= n; k += W) V::store(y + k, V::add(V::load(y + k), V::load(x + k)));
  for (; k < n; ++k) y[k] += x[k];
}

// dkernel's product: C (M x N) += A^T . B, A (K x M) and B (K x N) both long in K (pixels), C small
// (taps x filters). Register tiles of MR rows x NV vectors of C stay in registers over all of K: per
// pixel, NV loads of B, MR broadcasts of A, MR * NV FMAs. BLAS' general sgemm reached 20-65% of the FMA
// peak on these shapes (less on the few taps of a first layer), and far less on a CPU it does not know.
// The loops over a tile must disappear at compile time (unrolled), or g++ keeps the accumulators in
// memory and stores each of them on every pixel.
template <class V, int MR, int NV>
TSHAPE_NOINLINE void tn_tile(int M, int N, int K, const float* A, const float* B, float* C, int last_lanes) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  reg acc[MR][NV];
  TSHAPE_UNROLL
  for (int i = 0; i < MR; ++i) {
    TSHAPE_UNROLL
    for (int v = 0; v < NV; ++v) acc[i][v] = V::zero();
  }
  const float* TSHAPE_RESTRICT a = A;
  const float* TSHAPE_RESTRICT b = B;
  for (int k = 0; k < K; ++k, a += M, b += N) {
    reg bv[NV];
    TSHAPE_UNROLL
    for (int v = 0; v < NV; ++v) bv[v] = v + 1 < NV ? V::load(b + v * W) : V::load_partial(b + v * W, last_lanes);
    TSHAPE_UNROLL
    for (int i = 0; i < MR; ++i) {
      const reg av = V::broadcast(a[i]);
      TSHAPE_UNROLL
      for (int v = 0; v < NV; ++v) acc[i][v] = V::fma(av, bv[v], acc[i][v]);
    }
  }
  TSHAPE_UNROLL
  for (int i = 0; i < MR; ++i) {
    float* c = C + static_cast<std::ptrdiff_t>(i) * N;
    TSHAPE_UNROLL
    for (int v = 0; v < NV; ++v) {
      if (v + 1 < NV)
        V::store(c + v * W, V::add(V::load(c + v * W), acc[i][v]));
      else
        V::store_partial(c + v * W, V::add(V::load_partial(c + v * W, last_lanes), acc[i][v]), last_lanes);
    }
  }
}

template <class V, int NV, int MR>
void tn_rows(int mr, int M, int N, int K, const float* A, const float* B, float* C, int last_lanes) {
  if constexpr (MR > 1) {
    if (mr < MR) return tn_rows<V, NV, MR - 1>(mr, M, N, K, A, B, C, last_lanes);
  }
  tn_tile<V, MR, NV>(M, N, K, A, B, C, last_lanes);
}

/// Columns [0, nv vectors) of C from column block B, C (already offset to the block); rows cut into
/// tiles of nearly equal height (9 = 5 + 4 rather than 8 + 1), so that none is left with few rows.
template <class V, int NV>
void tn_block(int nv, int M, int N, int K, const float* A, const float* B, float* C, int last_lanes) {
  if constexpr (NV > 1) {
    if (nv < NV) return tn_block<V, NV - 1>(nv, M, N, K, A, B, C, last_lanes);
  }
  constexpr int max_rows = std::max(1, blocking<V>::accumulators / NV);
  const int tiles = (M + max_rows - 1) / max_rows, base = M / tiles, wider = M % tiles;
  for (int t = 0, i0 = 0; t < tiles; ++t) {
    const int mr = base + (t < wider ? 1 : 0);
    tn_rows<V, NV, max_rows>(mr, M, N, K, A + i0, B, C + static_cast<std::ptrdiff_t>(i0) * N, last_lanes);
    i0 += mr;
  }
}

/// C (M x N) += A^T . B with A stored (K x M) and B (K x N), on V's registers.
template <class V>
void gemm_tn_tall(int M, int N, int K, const float* A, const float* B, float* C) {
  constexpr int W = V::width, block = blocking<V>::max_nv * W;
  if (M <= 0 || N <= 0 || K <= 0) return;
  for (int j0 = 0; j0 < N; j0 += block) {
    const int rest = std::min(block, N - j0), nv = (rest + W - 1) / W;
    tn_block<V, blocking<V>::max_nv>(nv, M, N, K, A, B + j0, C + j0, rest - (nv - 1) * W);
  }
}

// gemm_tn_tall for M and N known at compile time (a layer's taps and filters): the same tiles on
// the same rows and columns, so the same sums, with only the one or two tile sizes it runs
// instantiated instead of all ~50 (about 1-2 s of -O2 in every program that trains a convolution).
template <class V, int NV, int M, int N>
void tn_block_fixed(int K, const float* A, const float* B, float* C, int last_lanes) {
  constexpr int max_rows = std::max(1, blocking<V>::accumulators / NV);
  constexpr int tiles = (M + max_rows - 1) / max_rows, base = M / tiles, wider = M % tiles;
  int i0 = 0;
  for (int t = 0; t < wider; ++t, i0 += base + 1)
    tn_tile<V, base + 1, NV>(M, N, K, A + i0, B, C + static_cast<std::ptrdiff_t>(i0) * N, last_lanes);
  for (int t = wider; t < tiles; ++t, i0 += base)
    tn_tile<V, base, NV>(M, N, K, A + i0, B, C + static_cast<std::ptrdiff_t>(i0) * N, last_lanes);
}

template <class V, int M, int N>
void gemm_tn_fixed(int, int, int K, const float* A, const float* B, float* C) {
  static_assert(M > 0 && N > 0);
  constexpr int W = V::width, block = blocking<V>::max_nv * W;
  constexpr int full_blocks = N / block, rest = N % block, last_nv = (rest + W - 1) / W;
  if (K <= 0) return;
  int j0 = 0;
  for (int b = 0; b < full_blocks; ++b, j0 += block)
    tn_block_fixed<V, blocking<V>::max_nv, M, N>(K, A, B + j0, C + j0, W);
  if constexpr (rest > 0) tn_block_fixed<V, last_nv, M, N>(K, A, B + j0, C + j0, rest - (last_nv - 1) * W);
}

/// col ((i1 - i0)*ow, kh*kw*c) = the window of every output pixel in rows [i0, i1) of one sample
/// x (h, w, c), zeros on the padding.
template <class V>
void im2col(const window_geometry& g, const float* x, int i0, int i1, float* col) {
  const std::ptrdiff_t C = g.c, run = static_cast<std::ptrdiff_t>(g.kw) * C, width = col_width(g);
  for (int i = i0; i < i1; ++i) {
    const tap_range rows = real_taps(i, g.sh, g.dh, g.pad_top, g.h, g.kh);
    for (int j = 0; j < g.ow; ++j) {
      const tap_range cols = real_taps(j, g.sw, g.dw, g.pad_left, g.w, g.kw);
      float* out = col + (static_cast<std::ptrdiff_t>(i - i0) * g.ow + j) * width;
      zero_run<V>(out, rows.t0 * run);
      for (int a = rows.t0; a < rows.t1; ++a) {
        float* o = out + a * run;
        const std::ptrdiff_t r = static_cast<std::ptrdiff_t>(i) * g.sh + a * g.dh - g.pad_top;
        const std::ptrdiff_t c0 = static_cast<std::ptrdiff_t>(j) * g.sw + cols.t0 * g.dw - g.pad_left;
        const float* src = x + (r * g.w + c0) * C;
        zero_run<V>(o, cols.t0 * C);
        if (g.dw == 1) {
          copy_run<V>(src, o + cols.t0 * C, (cols.t1 - cols.t0) * C);
        } else {
          for (int b = cols.t0; b < cols.t1; ++b, src += g.dw * C) copy_run<V>(src, o + b * C, C);
        }
        zero_run<V>(o + cols.t1 * C, run - cols.t1 * C);
      }
      zero_run<V>(out + rows.t1 * run, width - rows.t1 * run);
    }
  }
}

/// dx (h, w, c) += the rows of dcol ((i1 - i0)*ow, kh*kw*c) of output rows [i0, i1), each added back
/// onto the cells its window covers (the padding's share is dropped).
template <class V>
void col2im(const window_geometry& g, const float* dcol, int i0, int i1, float* dx) {
  const std::ptrdiff_t C = g.c, run = static_cast<std::ptrdiff_t>(g.kw) * C, width = col_width(g);
  for (int i = i0; i < i1; ++i) {
    const tap_range rows = real_taps(i, g.sh, g.dh, g.pad_top, g.h, g.kh);
    for (int j = 0; j < g.ow; ++j) {
      const tap_range cols = real_taps(j, g.sw, g.dw, g.pad_left, g.w, g.kw);
      const float* in = dcol + (static_cast<std::ptrdiff_t>(i - i0) * g.ow + j) * width;
      for (int a = rows.t0; a < rows.t1; ++a) {
        const float* d = in + a * run + cols.t0 * C;
        const std::ptrdiff_t r = static_cast<std::ptrdiff_t>(i) * g.sh + a * g.dh - g.pad_top;
        const std::ptrdiff_t c0 = static_cast<std::ptrdiff_t>(j) * g.sw + cols.t0 * g.dw - g.pad_left;
        float* dst = dx + (r * g.w + c0) * C;
        if (g.dw == 1) {
          add_to<V>(d, dst, (cols.t1 - cols.t0) * C);
        } else {
          for (int b = cols.t0; b < cols.t1; ++b, d += C, dst += g.dw * C) add_to<V>(d, dst, C);
        }
      }
    }
  }
}
}  // namespace detail

/// Writes the kernel as dx's products read it into the head of scratch: transposed (oc, kh*kw*c) for
/// dcol or a pointwise dx, or flipped (kh, kw, oc, c) for the direct path. Once per kernel, before
/// backward_rows(); nothing to do when dx is not wanted.
inline void backward_prepare(const window_geometry& g, const float* kernel, float* scratch) {
  const std::ptrdiff_t width = col_width(g), taps = static_cast<std::ptrdiff_t>(g.kh) * g.kw;
  if (!dx_by_direct(g)) {
    for (std::ptrdiff_t t = 0; t < width; ++t)
      for (int o = 0; o < g.oc; ++o) scratch[o * width + t] = kernel[t * g.oc + o];
    return;
  }
  // flipped[a][b][o][ci] = kernel[kh-1-a][kw-1-b][ci][o]: tap t of the flipped kernel is tap taps-1-t.
  for (std::ptrdiff_t t = 0; t < taps; ++t) {
    const float* src = kernel + (taps - 1 - t) * g.c * g.oc;
    float* dst = scratch + t * g.oc * g.c;
    for (int ci = 0; ci < g.c; ++ci)
      for (int o = 0; o < g.oc; ++o) dst[static_cast<std::ptrdiff_t>(o) * g.c + ci] = src[static_cast<std::ptrdiff_t>(ci) * g.oc + o];
  }
}

/// The two products of backward whose tiles depend on the geometry, as functions passed to
/// backward_rows: a layer's geometry is known at compile time, and their fixed forms (direct<V, G>,
/// gemm_tn_fixed) compile only the tiles they run, while runtime geometries keep the runtime dispatch
/// (which compiles every tile size it might pick). Both forms give the same results.
///   direct_dx: dx of whole samples by the direct kernel when dx_by_direct(g): dx (batch, h, w, c) =
///     conv(dz, turned) over transposed_geometry(g).
///   dkernel_product: C (M x N) += A^T . B, A (K x M) and B (K x N), M = kh*kw*c and N = oc.
///   dx_product: C (M x N) = A . B, A (M x K) and B (K x N), N = kh*kw*c and K = oc: dcol of im2col's
///     dx, or dx itself for a pointwise convolution.
using direct_dx_fn = void (*)(const window_geometry& g, const float* dz, const float* turned, float* dx, int batch,
                              float* scratch);
using product_fn = void (*)(int M, int N, int K, const float* A, const float* B, float* C);
struct backward_kernels {
  direct_dx_fn direct_dx;
  product_fn dkernel_product;
  product_fn dx_product;
};

namespace detail {
template <class V>
void direct_dx(const window_geometry& g, const float* dz, const float* turned, float* dx, int batch, float* scratch) {
  direct<V>(transposed_geometry(g), dz, turned, nullptr, dx, batch, scratch, activation::linear{});
}
template <class V>
void dx_product(int M, int N, int K, const float* A, const float* B, float* C) {
  gemm::dense<V>(M, N, K, A, B, nullptr, C, activation::linear{});
}
template <class V, int N, int K>
void dx_product_fixed(int M, int, int, const float* A, const float* B, float* C) {
  gemm::dense_fixed_rows<N, K, V>(M, A, B, nullptr, C, activation::linear{});
}
template <class V, window_geometry G>
void direct_dx_fixed(const window_geometry&, const float* dz, const float* turned, float* dx, int batch,
                     float* scratch) {
  direct<V, transposed_geometry(G)>(dz, turned, nullptr, dx, batch, scratch, activation::linear{});
}
}  // namespace detail

/// The runtime forms, for any geometry.
template <class V = simd::native>
constexpr backward_kernels runtime_backward_kernels() {
  return {&detail::direct_dx<V>, &detail::gemm_tn_tall<V>, &detail::dx_product<V>};
}
/// The fixed forms for a geometry known at compile time (direct_dx null when dx is not by the direct kernel).
template <window_geometry G, class V = simd::native>
constexpr backward_kernels backward_kernels_for() {
  direct_dx_fn dx = nullptr;
  if constexpr (dx_by_direct(G)) dx = &detail::direct_dx_fixed<V, G>;
  constexpr int taps = static_cast<int>(col_width(G));
  return {dx, &detail::gemm_tn_fixed<V, taps, G.oc>, &detail::dx_product_fixed<V, taps, G.oc>};
}

/// One chunk of backward(): output rows [r0, r1) counted through the batch (backward_chunk_rows), dz
/// pointing at row r0's. dkernel and dbias get their share added (each skipped when null), and so does
/// dx (the whole batch's, zeroed by the caller before the first chunk; skipped when null; scratch then
/// holds backward_prepare's kernel). V is at most as wide as simd::native (the scratch is sized for it).
/// `kernels` are runtime_backward_kernels<V>(), or backward_kernels_for<g, V>() for a compile-time g.
template <class V = simd::native>
void backward_rows(const window_geometry& g, const float* x, const float* dz, int r0, int r1, float* dkernel,
                   float* dbias, float* dx, float* scratch, const backward_kernels& kernels) {
  if (r1 <= r0) return;
  const std::ptrdiff_t in_floats = static_cast<std::ptrdiff_t>(g.input_floats());
  const int width = static_cast<int>(col_width(g));
  // scratch: the kernel, transposed or flipped; then one im2col pass; then the direct kernel's own.
  const float* turned = scratch;
  float* col = scratch + detail::round_floats(static_cast<std::size_t>(width) * g.oc);
  if (dbias) gemm::add_column_sums<V>((r1 - r0) * g.ow, g.oc, dz, dbias);
  const bool direct_dx = dx && dx_by_direct(g);
  if (is_pointwise(g)) {  // output rows are input rows: x and dx are the chunk's own matrices
    const int pixels = (r1 - r0) * g.ow;
    const std::ptrdiff_t first = static_cast<std::ptrdiff_t>(r0) * g.ow * g.c;
    if (dkernel) kernels.dkernel_product(g.c, g.oc, pixels, x + first, dz, dkernel);
    if (dx) kernels.dx_product(pixels, g.c, g.oc, dz, turned, dx + first);
    return;
  }
  const int step = im2col_rows(g);
  for (int s0 = r0; s0 < r1; s0 += step) {
    const int s1 = std::min(r1, s0 + step), pixels = (s1 - s0) * g.ow;
    const float* dzs = dz + static_cast<std::ptrdiff_t>(s0 - r0) * g.ow * g.oc;
    // Calls f(sample, first row, end row, offset of its im2col rows) for each sample's share of the rows.
    const auto each_sample = [&](auto&& f) {
      for (int r = s0; r < s1;) {
        const int n = r / g.oh, i0 = r - n * g.oh, i1 = std::min(g.oh, i0 + (s1 - r));
        f(n, i0, i1, static_cast<std::ptrdiff_t>(r - s0) * g.ow * width);
        r += i1 - i0;
      }
    };
    if (dkernel) {
      each_sample([&](int n, int i0, int i1, std::ptrdiff_t at) { detail::im2col<V>(g, x + n * in_floats, i0, i1, col + at); });
      kernels.dkernel_product(width, g.oc, pixels, col, dzs, dkernel);
    }
    if (dx && !direct_dx) {
      kernels.dx_product(pixels, width, g.oc, dzs, turned, col);
      each_sample([&](int n, int i0, int i1, std::ptrdiff_t at) { detail::col2im<V>(g, col + at, i0, i1, dx + n * in_floats); });
    }
  }
  if (direct_dx) {  // whole samples [r0 / oh, r1 / oh): backward_chunk_rows says so
    float* direct_scratch = col + detail::round_floats(static_cast<std::size_t>(std::min(step, r1 - r0)) * g.ow * width);
    const int n0 = r0 / g.oh;
    kernels.direct_dx(g, dz, turned, dx + n0 * in_floats, (r1 - r0) / g.oh, direct_scratch);
  }
}

template <class V = simd::native>
void backward_rows(const window_geometry& g, const float* x, const float* dz, int r0, int r1, float* dkernel,
                   float* dbias, float* dx, float* scratch) {
  backward_rows<V>(g, x, dz, r0, r1, dkernel, dbias, dx, scratch, runtime_backward_kernels<V>());
}

/// The gradients of y = conv(x, kernel) + bias for `batch` samples, given dz = dL/dy (batch, oh, ow, oc):
/// dkernel += dL/dkernel and dbias += dL/dbias (each skipped when null), dx = dL/dx (skipped when null).
/// scratch holds backward_scratch_floats(g, batch) floats.
/// kernels as backward_rows'.
template <class V = simd::native>
void backward(const window_geometry& g, const float* x, const float* dz, const float* kernel, float* dkernel,
              float* dbias, float* dx, int batch, float* scratch, const backward_kernels& kernels) {
  if (batch <= 0) return;
  if (dx) {
    std::fill(dx, dx + static_cast<std::ptrdiff_t>(batch) * static_cast<std::ptrdiff_t>(g.input_floats()), 0.0f);
    backward_prepare(g, kernel, scratch);
  }
  const int rows = batch * g.oh, chunk = backward_chunk_rows(g, batch);
  for (int r0 = 0; r0 < rows; r0 += chunk) {
    const int r1 = std::min(rows, r0 + chunk);
    backward_rows<V>(g, x, dz + static_cast<std::ptrdiff_t>(r0) * g.ow * g.oc, r0, r1, dkernel, dbias, dx,
                     scratch, kernels);
  }
}

template <class V = simd::native>
void backward(const window_geometry& g, const float* x, const float* dz, const float* kernel, float* dkernel,
              float* dbias, float* dx, int batch, float* scratch) {
  backward<V>(g, x, dz, kernel, dkernel, dbias, dx, batch, scratch, runtime_backward_kernels<V>());
}

}  // namespace tshape::kernels::conv
