// Int8 Dense (TFLite's FullyConnected, per-channel): y[r][c] = clamp(zp_out + M_c(bias[c] +
// sum_k (x[r][k] - zp_in) * w[c][k])), M_c the fixed-point multiplier of channel c (fixed_point.hpp).
//
// Weights are packed once, at quantization time, for dot products of 4 bytes: channels in blocks of
// 16, depth in groups of 4, so that one group of one block is 64 contiguous bytes,
//   packed[((block * groups + g) * 16 + c % 16) * 4 + k % 4] = w[c][k]   (zeros past `in` and `units`),
// which is one AVX-512 VNNI register, four NEON dot-product registers or four sign-extended AVX2 ones.
// The accumulation is over the raw x (zp_in is folded in through each channel's weight sum), and the
// integers are exact, so every path gives the reference's bits; the paths are:
//   avx512_vnni  vpdpbusd multiplies u8 by s8: x ^ 0x80 is x + 128 as u8, and 128 * sum(w) is taken off.
//   amx          where the compiler targets AMX-INT8 and the OS grants the tiles (amx_available()):
//                tdpbssd multiplies s8 by s8, 16 rows by 16 channels by 64 depths an instruction. A
//                block of 16 channels' packed weights is a B tile as it is (a row per depth group);
//                16 rows of x are an A tile; the int32 tile is stored and requantized as on VNNI.
//                Rows past the last whole 16 (and a last block that would read past x's end) take
//                the VNNI path.
//   avx2         bytes sign-extended to 16 bits and vpmaddwd (vpmaddubsw's 16-bit sums could saturate).
//   neon         vdotq_s32 with __ARM_FEATURE_DOTPROD, else vmull_s8 + vpadalq_s16.
//   arm_dsp      32-bit Arm with the DSP extension (Cortex-M4, M7, M33): sxtb16 sign-extends bytes 0
//                and 2 (or, rotated, 1 and 3) of a word into two 16-bit halves, and smlad adds both
//                halves' products to the sum: two instructions per two multiply-adds.
//   portable     the same packed loop in plain C++ (TSHAPE_FORCE_SCALAR, or no SIMD).
// `reference` is the plain twin on the unpacked (units, in) weights, as TFLite's kernel reads them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "../../config.hpp"
#include "fixed_point.hpp"
#include "params.hpp"

#if !defined(TSHAPE_FORCE_SCALAR) && (defined(__AVX2__) || defined(__AVX512F__))
#include <immintrin.h>
#endif
// (g++ names the AMX targets __AMX_TILE__ and __AMX_INT8__, clang __AMXTILE__ and __AMXINT8__.)
#if !defined(TSHAPE_FORCE_SCALAR) && !defined(TSHAPE_NO_AMX) && (defined(__AMX_TILE__) || defined(__AMXTILE__)) && \
    (defined(__AMX_INT8__) || defined(__AMXINT8__)) && defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#define TSHAPE_QUANT_AMX 1
#endif
#if !defined(TSHAPE_FORCE_SCALAR) && defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#endif
#if !defined(TSHAPE_FORCE_SCALAR) && defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#include <arm_acle.h>
#endif

namespace tshape::kernels::quant {

inline constexpr int channel_block = 16;
/// Where a model keeps packed weights: on whole cache lines for AVX-512, whose 64-byte loads (and AMX
/// tile rows) would otherwise each straddle two lines (3x3x64->128 on AMX: 38 -> 21 us); 4 elsewhere,
/// which changes no embedded image's size.
#if !defined(TSHAPE_FORCE_SCALAR) && defined(__AVX512F__)
inline constexpr std::size_t packed_alignment = 64;
#else
inline constexpr std::size_t packed_alignment = 4;
#endif
inline constexpr int depth_group = 4;
constexpr int padded_units(int units) { return (units + channel_block - 1) / channel_block * channel_block; }
constexpr int depth_groups(int in) { return (in + depth_group - 1) / depth_group; }
constexpr std::size_t packed_bytes(int in, int units) {
  return static_cast<std::size_t>(padded_units(units)) * static_cast<std::size_t>(depth_groups(in)) * depth_group;
}
constexpr std::size_t packed_index(int in, int c, int k) {
  const std::size_t block = static_cast<std::size_t>(c / channel_block), g = static_cast<std::size_t>(k / depth_group);
  return ((block * static_cast<std::size_t>(depth_groups(in)) + g) * channel_block + static_cast<std::size_t>(c % channel_block)) *
             depth_group +
         static_cast<std::size_t>(k % depth_group);
}

/// Packs w (units, in), row-major, into the layout above (packed_bytes(in, units) bytes).
constexpr void pack_weights(int in, int units, const std::int8_t* w, std::int8_t* packed) {
  for (std::size_t i = 0; i < packed_bytes(in, units); ++i) packed[i] = 0;
  for (int c = 0; c < units; ++c)
    for (int k = 0; k < in; ++k) packed[packed_index(in, c, k)] = w[static_cast<std::size_t>(c) * in + k];
}

/// What turns a channel's int32 sum into int8: per channel (units entries) and per tensor.
struct requantization {
  const std::int32_t* bias = nullptr;         // int32, scale input_scale * weight_scale[c]; may be null
  const std::int32_t* weight_sums = nullptr;  // sum_k w[c][k]
  const std::int32_t* multiplier = nullptr;
  const std::int32_t* shift = nullptr;
  std::int32_t input_zero_point = 0;
  std::int32_t output_zero_point = 0;
  std::int32_t min = -128, max = 127;  // the fused activation's range (params.hpp)
};

namespace detail {
/// Channel c's output from its dot product with the raw x (zp_in not yet taken off).
TSHAPE_ALWAYS_INLINE std::int8_t finish(std::int32_t dot, int c, const requantization& q) {
  std::int32_t acc = dot - q.input_zero_point * q.weight_sums[c] + (q.bias ? q.bias[c] : 0);
  acc = multiply_by_quantized_multiplier(acc, q.multiplier[c], q.shift[c]) + q.output_zero_point;
  return static_cast<std::int8_t>(acc < q.min ? q.min : acc > q.max ? q.max : acc);
}
/// The sums' requantization without their bias (the kernels start their sums from it).
inline requantization without_bias(requantization q) {
  q.bias = nullptr;
  q.weight_sums = nullptr;
  return q;
}
/// The 4 bytes of x's depth group g, zero past `in` (their weights are zero too).
TSHAPE_ALWAYS_INLINE std::int32_t group_bytes(const std::int8_t* x, int in, int g) {
  std::int32_t d = 0;
  const int k = g * depth_group;
  std::memcpy(&d, x + k, static_cast<std::size_t>(in - k >= depth_group ? depth_group : in - k));
  return d;
}
}  // namespace detail

/// The plain twin, on unpacked weights w (units, in): TFLite's reference FullyConnectedPerChannel.
inline void reference(int rows, int in, int units, const std::int8_t* x, const std::int8_t* w,
                      const requantization& q, std::int8_t* y) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < units; ++c) {
      std::int32_t acc = q.bias ? q.bias[c] : 0;
      for (int k = 0; k < in; ++k)
        acc += (x[static_cast<std::size_t>(r) * in + k] - q.input_zero_point) * w[static_cast<std::size_t>(c) * in + k];
      acc = multiply_by_quantized_multiplier(acc, q.multiplier[c], q.shift[c]) + q.output_zero_point;
      y[static_cast<std::size_t>(r) * units + c] = static_cast<std::int8_t>(acc < q.min ? q.min : acc > q.max ? q.max : acc);
    }
}

/// Portable C++ on the packed weights.
inline void dense_portable(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed,
                           const requantization& q, std::int8_t* y) {
  const int groups = depth_groups(in);
  for (int r = 0; r < rows; ++r) {
    const std::int8_t* xr = x + static_cast<std::size_t>(r) * in;
    for (int b = 0; b * channel_block < units; ++b) {
      std::int32_t acc[channel_block] = {};
      const std::int8_t* wb = packed + static_cast<std::size_t>(b) * groups * channel_block * depth_group;
      for (int k = 0; k < in; ++k) {
        const std::int32_t xv = xr[k];
        const std::int8_t* wg = wb + (k / depth_group) * channel_block * depth_group + k % depth_group;
        TSHAPE_UNROLL
        for (int j = 0; j < channel_block; ++j) acc[j] += xv * wg[j * depth_group];
      }
      const int n = units - b * channel_block < channel_block ? units - b * channel_block : channel_block;
      for (int j = 0; j < n; ++j)
        y[static_cast<std::size_t>(r) * units + b * channel_block + j] = detail::finish(acc[j], b * channel_block + j, q);
    }
  }
}

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__AVX2__)
namespace detail {
// The requantization of 8 (AVX2) or 16 (AVX-512) channels at once, the same integers as finish():
// each step of multiply_by_quantized_multiplier on vectors, the high multiply in 64-bit lanes.
struct requant8 {
  __m256i offset, multiplier, left, right, zero_point, min, max;
  // Channels c0.. c0 + n - 1 (n <= 8); `extra` is taken off every channel's weight sum times: the
  // input's zero point, plus 128 on the VNNI path. Without weight sums (a sum of x - zp_in already,
  // as the depthwise kernel's) only the bias is added.
  TSHAPE_ALWAYS_INLINE requant8(const requantization& q, int c0, int n, std::int32_t extra) {
    alignas(32) std::int32_t o[8] = {}, m[8] = {}, l[8] = {}, r[8] = {};
    for (int j = 0; j < n; ++j) {
      o[j] = (q.bias ? q.bias[c0 + j] : 0) - (q.weight_sums ? (q.input_zero_point + extra) * q.weight_sums[c0 + j] : 0);
      m[j] = q.multiplier[c0 + j];
      l[j] = q.shift[c0 + j] > 0 ? q.shift[c0 + j] : 0;
      r[j] = q.shift[c0 + j] > 0 ? 0 : -q.shift[c0 + j];
    }
    offset = _mm256_load_si256(reinterpret_cast<const __m256i*>(o));
    multiplier = _mm256_load_si256(reinterpret_cast<const __m256i*>(m));
    left = _mm256_load_si256(reinterpret_cast<const __m256i*>(l));
    right = _mm256_load_si256(reinterpret_cast<const __m256i*>(r));
    zero_point = _mm256_set1_epi32(q.output_zero_point);
    min = _mm256_set1_epi32(q.min);
    max = _mm256_set1_epi32(q.max);
  }
  // The high half of 2ab, rounded as gemmlowp does, for the even 32-bit lanes of a and b: its nudge
  // (2^30, or 1 - 2^30 below zero) and its division truncating toward zero (2^31 - 1 added below zero)
  // together are floor((ab + 2^30) / 2^31), since ab + 1 - 2^30 < 0 whenever ab < 0. The low 32 bits
  // of a logical shift are those of the arithmetic one.
  static TSHAPE_ALWAYS_INLINE __m256i high_even(__m256i a, __m256i b) {
    return _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(a, b), _mm256_set1_epi64x(1LL << 30)), 31);
  }
  TSHAPE_ALWAYS_INLINE __m256i operator()(__m256i dot) const {
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i x = _mm256_sllv_epi32(_mm256_add_epi32(dot, offset), left);
    const __m256i even = high_even(x, multiplier);
    const __m256i odd = high_even(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(multiplier, 32));
    __m256i h = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    const __m256i int_min = _mm256_set1_epi32(std::numeric_limits<std::int32_t>::min());
    const __m256i sat = _mm256_and_si256(_mm256_cmpeq_epi32(x, int_min), _mm256_cmpeq_epi32(multiplier, int_min));
    h = _mm256_blendv_epi8(h, _mm256_set1_epi32(std::numeric_limits<std::int32_t>::max()), sat);
    // Rounding division by 2^right.
    const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
    const __m256i remainder = _mm256_and_si256(h, mask);
    const __m256i threshold = _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_cmpgt_epi32(_mm256_setzero_si256(), h));
    __m256i r = _mm256_sub_epi32(_mm256_srav_epi32(h, right), _mm256_cmpgt_epi32(remainder, threshold));
    r = _mm256_add_epi32(r, zero_point);
    return _mm256_min_epi32(_mm256_max_epi32(r, min), max);
  }
};
TSHAPE_ALWAYS_INLINE void store8(std::int8_t* y, __m256i v, int n) {
  alignas(32) std::int32_t t[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(t), v);
  for (int j = 0; j < n; ++j) y[j] = static_cast<std::int8_t>(t[j]);
}
}  // namespace detail
#endif

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__AVX512VNNI__) && defined(__AVX512BW__)
#define TSHAPE_QUANT_AVX512_VNNI 1
namespace detail {
// The masked forms with every lane set: the plain ones trip g++ 12's -Wmaybe-uninitialized inside its
// own headers (as in simd.hpp).
struct requant16 {
  __m512i offset, multiplier, multiplier_odd, left, right, mask, half, zero_point, min, max;
  __mmask16 saturating = 0;  // channels whose multiplier is INT32_MIN, the one product that overflows
  bool shifts_left = false;  // any channel's multiplier above 1
  requant16() = default;
  TSHAPE_ALWAYS_INLINE requant16(const requantization& q, int c0, int n, std::int32_t extra) {
    constexpr auto all = static_cast<__mmask16>(0xFFFF);
    const __mmask16 k = static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
    const __m512i sums = q.weight_sums ? _mm512_maskz_loadu_epi32(k, q.weight_sums + c0) : _mm512_setzero_si512();
    const __m512i bias = q.bias ? _mm512_maskz_loadu_epi32(k, q.bias + c0) : _mm512_setzero_si512();
    offset = _mm512_maskz_sub_epi32(all, bias, _mm512_maskz_mullo_epi32(all, sums, _mm512_set1_epi32(q.input_zero_point + extra)));
    multiplier = _mm512_maskz_loadu_epi32(k, q.multiplier + c0);
    multiplier_odd = _mm512_maskz_srli_epi64(static_cast<__mmask8>(0xFF), multiplier, 32);
    const __m512i shift = _mm512_maskz_loadu_epi32(k, q.shift + c0);
    left = _mm512_maskz_max_epi32(all, shift, _mm512_setzero_si512());
    right = _mm512_maskz_max_epi32(all, _mm512_maskz_sub_epi32(all, _mm512_setzero_si512(), shift), _mm512_setzero_si512());
    const __m512i one = _mm512_set1_epi32(1);
    mask = _mm512_maskz_sub_epi32(all, _mm512_maskz_sllv_epi32(all, one, right), one);
    half = _mm512_maskz_srli_epi32(all, mask, 1);
    shifts_left = _mm512_test_epi32_mask(left, left) != 0;
    saturating = _mm512_cmpeq_epi32_mask(multiplier, _mm512_set1_epi32(std::numeric_limits<std::int32_t>::min()));
    zero_point = _mm512_set1_epi32(q.output_zero_point);
    min = _mm512_set1_epi32(q.min);
    max = _mm512_set1_epi32(q.max);
  }
  // multiply_by_quantized_multiplier on 16 lanes. The rounded high half of 2xm is floor((xm + 2^30) /
  // 2^31) (requant8::high_even): bits 31 to 62 of the 64-bit xm + 2^30, shifted down for the even
  // lanes and up by one for the odd ones. The rounding division by 2^right adds one when the
  // remainder is above half (above half + 1 below zero).
  TSHAPE_ALWAYS_INLINE __m512i operator()(__m512i dot) const {
    return from_offset(_mm512_maskz_add_epi32(static_cast<__mmask16>(0xFFFF), dot, offset));
  }
  // The same for sums that started from `offset` (int32 sums wrap alike in either order).
  TSHAPE_ALWAYS_INLINE __m512i from_offset(__m512i sum) const {
    constexpr auto all = static_cast<__mmask16>(0xFFFF);
    constexpr auto all64 = static_cast<__mmask8>(0xFF);
    const __m512i round = _mm512_set1_epi64(1LL << 30);
    const __m512i x = shifts_left ? _mm512_maskz_sllv_epi32(all, sum, left) : sum;
    const __m512i even = _mm512_maskz_srli_epi64(all64, _mm512_maskz_add_epi64(all64, _mm512_maskz_mul_epi32(all64, x, multiplier), round), 31);
    const __m512i odd = _mm512_maskz_slli_epi64(
        all64, _mm512_maskz_add_epi64(all64, _mm512_maskz_mul_epi32(all64, _mm512_maskz_srli_epi64(all64, x, 32), multiplier_odd), round), 1);
    __m512i h = _mm512_mask_blend_epi32(static_cast<__mmask16>(0xAAAA), even, odd);
    if (saturating)
      h = _mm512_mask_mov_epi32(h, saturating & _mm512_cmpeq_epi32_mask(x, _mm512_set1_epi32(std::numeric_limits<std::int32_t>::min())),
                                _mm512_set1_epi32(std::numeric_limits<std::int32_t>::max()));
    const __m512i remainder = _mm512_maskz_add_epi32(all, _mm512_maskz_and_epi32(all, h, mask), _mm512_maskz_srai_epi32(all, h, 31));
    __m512i r = _mm512_maskz_srav_epi32(all, h, right);
    r = _mm512_mask_add_epi32(r, _mm512_cmpgt_epi32_mask(remainder, half), r, _mm512_set1_epi32(1));
    r = _mm512_maskz_add_epi32(all, r, zero_point);
    return _mm512_maskz_min_epi32(all, _mm512_maskz_max_epi32(all, r, min), max);
  }
};

/// TFLite's requantization of 16 int32 channels, both of its roundings in one 64-bit step. With
/// e = max(-shift, 0) and X the sum shifted left by max(shift, 0), SaturatingRoundingDoublingHighMul
/// is floor((X m + 2^30) / 2^31) and RoundingDivideByPOT of h by 2^e is floor((h + 2^(e-1) - [h < 0]) / 2^e);
/// for m >= 0, [h < 0] may be read as [X m < 0] (they differ only where h = 0, which rounds to 0 either
/// way), and nested floors of integers merge:
///   out = floor((X m + K - 2^31 [X m < 0 and e > 0]) / 2^(31 + e)),  K = 2^30 + 2^(30 + e) [e > 0] + zp_out 2^(31 + e),
/// exact in int64 while e <= 20. Two vpmuldq (even and odd channels) and five more steps each, against
/// requant16's dozen per half. `exact` is false if some channel shifts right by more than 20 or has a
/// negative multiplier (quantize_multiplier makes none), and requant16 serves.
struct requant_dw16 {
  __m512i m_even, m_odd, k_even, k_odd, s_even, s_odd, left, min, max, two31;
  __mmask8 round_even = 0, round_odd = 0;  // channels with e > 0
  bool shifts_left = false, exact = true;
  requant16 slow;
  requant_dw16() = default;
  requant_dw16(const requantization& q, int c0, int n) : slow(without_bias(q), c0, n, 0) {
    alignas(64) std::int64_t me[8] = {}, mo[8] = {}, ke[8] = {}, ko[8] = {}, se[8] = {}, so[8] = {};
    alignas(64) std::int32_t l[16] = {};
    for (int j = 0; j < n; ++j) {
      const int shift = q.shift[c0 + j], e = shift < 0 ? -shift : 0;
      if (e > 20 || q.multiplier[c0 + j] < 0) exact = false;
      l[j] = shift > 0 ? shift : 0;
      shifts_left |= shift > 0;
      const int s = 31 + (e > 20 ? 0 : e);
      const std::int64_t k = (1LL << 30) + (e > 0 ? 1LL << (s - 1) : 0) + q.output_zero_point * (1LL << s);
      std::int64_t* mm = j % 2 ? mo : me;
      std::int64_t* kk = j % 2 ? ko : ke;
      std::int64_t* ss = j % 2 ? so : se;
      mm[j / 2] = q.multiplier[c0 + j];
      kk[j / 2] = k;
      ss[j / 2] = s;
      if (e > 0) (j % 2 ? round_odd : round_even) |= static_cast<__mmask8>(1u << (j / 2));
    }
    m_even = _mm512_load_si512(me), m_odd = _mm512_load_si512(mo);
    k_even = _mm512_load_si512(ke), k_odd = _mm512_load_si512(ko);
    s_even = _mm512_load_si512(se), s_odd = _mm512_load_si512(so);
    left = _mm512_load_si512(l);
    min = _mm512_set1_epi32(q.min), max = _mm512_set1_epi32(q.max);
    two31 = _mm512_set1_epi64(1LL << 31);
  }
  TSHAPE_ALWAYS_INLINE __m512i half(__m512i x, __m512i m, __m512i k, __m512i s, __mmask8 round) const {
    const __m512i ab = _mm512_maskz_mul_epi32(static_cast<__mmask8>(0xFF), x, m);
    __m512i t = _mm512_maskz_add_epi64(static_cast<__mmask8>(0xFF), ab, k);
    t = _mm512_mask_sub_epi64(t, _mm512_mask_cmplt_epi64_mask(round, ab, _mm512_setzero_si512()), t, two31);
    return _mm512_maskz_srav_epi64(static_cast<__mmask8>(0xFF), t, s);
  }
  /// Whether every channel takes the one step without a left shift (most layers): the kernel's
  /// loops are then compiled without either test.
  bool simple() const { return exact && !shifts_left; }
  /// The 16 outputs of the sums x (bias and zero points already in), zp_out added, not yet clamped.
  template <bool Simple = false>
  TSHAPE_ALWAYS_INLINE __m512i unclamped(__m512i x) const {
    constexpr __mmask16 all = 0xFFFF;
    if (!Simple && !exact) return slow(x);
    if (!Simple && shifts_left) x = _mm512_maskz_sllv_epi32(all, x, left);
    const __m512i even = half(x, m_even, k_even, s_even, round_even);
    const __m512i odd = half(_mm512_maskz_srli_epi64(static_cast<__mmask8>(0xFF), x, 32), m_odd, k_odd, s_odd, round_odd);
    const __m512i pick = _mm512_set_epi32(30, 14, 28, 12, 26, 10, 24, 8, 22, 6, 20, 4, 18, 2, 16, 0);
    return _mm512_maskz_permutex2var_epi32(all, even, pick, odd);
  }
  /// The same, clamped to the activation's range.
  template <bool Simple = false>
  TSHAPE_ALWAYS_INLINE __m512i clamped(__m512i x) const {
    constexpr __mmask16 all = 0xFFFF;
    return _mm512_maskz_min_epi32(all, _mm512_maskz_max_epi32(all, unclamped<Simple>(x), min), max);
  }
  TSHAPE_ALWAYS_INLINE __m512i operator()(__m512i x) const { return clamped(x); }
};

/// A Dense's or convolution's requantization of 16 channels: requant16's terms (the bias and the
/// zero points, `offset`) and requant_dw16's one 64-bit step for the rounding (requant16's where that
/// one is not exact): the same integers in about half the vector instructions, for three times the
/// setup, which the AMX paths (16 rows a tile at least) repay and a batch-1 Dense would not.
struct requant_fast16 {
  requant16 terms;
  requant_dw16 step;
  requant_fast16() = default;
  requant_fast16(const requantization& q, int c0, int n, std::int32_t extra) : terms(q, c0, n, extra), step(q, c0, n) {}
  /// The outputs of dot products that did not start from `offset`.
  TSHAPE_ALWAYS_INLINE __m512i operator()(__m512i dot) const {
    return step.clamped(_mm512_maskz_add_epi32(static_cast<__mmask16>(0xFFFF), dot, terms.offset));
  }
  /// The outputs of sums that started from `offset`.
  TSHAPE_ALWAYS_INLINE __m512i from_offset(__m512i sum) const { return step.clamped(sum); }
};

/// R rows by C blocks of 16 channels: each x broadcast serves C dot products, each weight load R.
template <int R, int C>
TSHAPE_ALWAYS_INLINE void vnni_tile(int in, const std::int8_t* x, const std::int8_t* wb, std::size_t block_stride,
                                    const requant16* rq, int units, int n_last, std::int8_t* y) {
  constexpr std::int32_t flip = static_cast<std::int32_t>(0x80808080u);  // s8 -> u8 + 128, per byte
  // Offsets in ptrdiff_t and the loops counted down: with int offsets and `for (; g < full; ++g)`,
  // g++ 12 -O3 warns of overflows it cannot rule out.
  const std::ptrdiff_t groups = depth_groups(in), full = in / depth_group;
  __m512i acc[R][C];
  TSHAPE_UNROLL
  for (int i = 0; i < R; ++i)
    TSHAPE_UNROLL
    for (int c = 0; c < C; ++c) acc[i][c] = _mm512_setzero_si512();
  std::ptrdiff_t g = 0;
  if constexpr (R == 1 && C == 1) {
    // One row of one block is one chain of dependent vpdpbusd: four chains over alternate groups.
    __m512i a1 = _mm512_setzero_si512(), a2 = a1, a3 = a1;
    for (std::ptrdiff_t left = full / 4; left > 0; --left, g += 4) {
      std::int32_t d[4];
      std::memcpy(d, x + g * depth_group, 16);
      const std::int8_t* wg = wb + g * channel_block * depth_group;
      acc[0][0] = _mm512_dpbusd_epi32(acc[0][0], _mm512_set1_epi32(d[0] ^ flip), _mm512_loadu_si512(wg));
      a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32(d[1] ^ flip), _mm512_loadu_si512(wg + 64));
      a2 = _mm512_dpbusd_epi32(a2, _mm512_set1_epi32(d[2] ^ flip), _mm512_loadu_si512(wg + 128));
      a3 = _mm512_dpbusd_epi32(a3, _mm512_set1_epi32(d[3] ^ flip), _mm512_loadu_si512(wg + 192));
    }
    acc[0][0] = _mm512_add_epi32(_mm512_add_epi32(acc[0][0], a1), _mm512_add_epi32(a2, a3));
  } else if constexpr (R == 1) {
    // One row of C blocks is C chains: twice as many over alternate pairs of groups.
    __m512i odd[C];
    TSHAPE_UNROLL
    for (int c = 0; c < C; ++c) odd[c] = _mm512_setzero_si512();
    for (std::ptrdiff_t left = full / 2; left > 0; --left, g += 2) {
      std::int32_t d[2];
      std::memcpy(d, x + g * depth_group, 8);
      const __m512i v0 = _mm512_set1_epi32(d[0] ^ flip), v1 = _mm512_set1_epi32(d[1] ^ flip);
      TSHAPE_UNROLL
      for (int c = 0; c < C; ++c) {
        const std::int8_t* wg = wb + c * block_stride + g * channel_block * depth_group;
        acc[0][c] = _mm512_dpbusd_epi32(acc[0][c], v0, _mm512_loadu_si512(wg));
        odd[c] = _mm512_dpbusd_epi32(odd[c], v1, _mm512_loadu_si512(wg + channel_block * depth_group));
      }
    }
    TSHAPE_UNROLL
    for (int c = 0; c < C; ++c) acc[0][c] = _mm512_add_epi32(acc[0][c], odd[c]);
  }
  for (std::ptrdiff_t left = full - g; left > 0; --left, ++g) {
    __m512i w[C];
    TSHAPE_UNROLL
    for (int c = 0; c < C; ++c) w[c] = _mm512_loadu_si512(wb + c * block_stride + g * channel_block * depth_group);
    TSHAPE_UNROLL
    for (int i = 0; i < R; ++i) {
      std::int32_t d;
      std::memcpy(&d, x + static_cast<std::size_t>(i) * in + g * depth_group, 4);
      const __m512i v = _mm512_set1_epi32(d ^ flip);
      TSHAPE_UNROLL
      for (int c = 0; c < C; ++c) acc[i][c] = _mm512_dpbusd_epi32(acc[i][c], v, w[c]);
    }
  }
  if (g < groups) {  // the last, partial group: its missing bytes meet zero weights
    __m512i w[C];
    TSHAPE_UNROLL
    for (int c = 0; c < C; ++c) w[c] = _mm512_loadu_si512(wb + c * block_stride + g * channel_block * depth_group);
    TSHAPE_UNROLL
    for (int i = 0; i < R; ++i) {
      const __m512i v = _mm512_set1_epi32(group_bytes(x + static_cast<std::size_t>(i) * in, in, static_cast<int>(g)) ^ flip);
      TSHAPE_UNROLL
      for (int c = 0; c < C; ++c) acc[i][c] = _mm512_dpbusd_epi32(acc[i][c], v, w[c]);
    }
  }
  TSHAPE_UNROLL
  for (int c = 0; c < C; ++c) {
    const int n = c + 1 == C ? n_last : channel_block;
    const __mmask16 k = static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
    TSHAPE_UNROLL
    for (int i = 0; i < R; ++i)
      _mm_mask_storeu_epi8(y + static_cast<std::size_t>(i) * units + c * channel_block, k,
                           _mm512_maskz_cvtepi32_epi8(static_cast<__mmask16>(0xFFFF), rq[c](acc[i][c])));
  }
}

template <int C>
TSHAPE_ALWAYS_INLINE void vnni_blocks(int rows, int in, int units, const std::int8_t* x, const std::int8_t* wb,
                                      std::size_t block_stride, const requantization& q, int c0, std::int8_t* y) {
  const int n_last = units - (c0 + (C - 1) * channel_block) < channel_block ? units - (c0 + (C - 1) * channel_block) : channel_block;
  // The dot products are of x + 128: 128 * sum(w) comes off with the input's zero point.
  requant16 rq[C];
  TSHAPE_UNROLL
  for (int c = 0; c < C; ++c) rq[c] = requant16(q, c0 + c * channel_block, c + 1 == C ? n_last : channel_block, 128);
  int r = 0;
  for (; r + 4 <= rows; r += 4)
    vnni_tile<4, C>(in, x + static_cast<std::size_t>(r) * in, wb, block_stride, rq, units, n_last,
                    y + static_cast<std::size_t>(r) * units + c0);
  for (; r < rows; ++r)
    vnni_tile<1, C>(in, x + static_cast<std::size_t>(r) * in, wb, block_stride, rq, units, n_last,
                    y + static_cast<std::size_t>(r) * units + c0);
}
}  // namespace detail

/// AVX-512 VNNI: tiles of 4 rows by up to 4 blocks of 16 channels (each broadcast of x serves every
/// block, each weight load every row); the requantization on 16 channels at once.
inline void dense_avx512_vnni(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed,
                              const requantization& q, std::int8_t* y) {
  const std::size_t block_stride = static_cast<std::size_t>(depth_groups(in)) * channel_block * depth_group;
  const int blocks = (units + channel_block - 1) / channel_block;
  int b = 0;
  for (; b + 4 <= blocks; b += 4)
    detail::vnni_blocks<4>(rows, in, units, x, packed + b * block_stride, block_stride, q, b * channel_block, y);
  if (b + 2 <= blocks) {
    detail::vnni_blocks<2>(rows, in, units, x, packed + b * block_stride, block_stride, q, b * channel_block, y);
    b += 2;
  }
  if (b < blocks) detail::vnni_blocks<1>(rows, in, units, x, packed + b * block_stride, block_stride, q, b * channel_block, y);
}
#endif

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__AVX2__)
#define TSHAPE_QUANT_AVX2 1
namespace detail {
/// R rows of one 16-channel block on AVX2: each 16 weight bytes (4 channels x 4 depths) sign-extended
/// to 16 bits; vpmaddwd against x's 4 values repeated gives each channel's two partial sums.
template <int R>
TSHAPE_ALWAYS_INLINE void avx2_rows(int in, const std::int8_t* x, const std::int8_t* wb, const requant8& lo,
                                    const requant8& hi, int units, int n, std::int8_t* y) {
  const int groups = depth_groups(in), full = in / depth_group;
  __m256i acc[R][4];
  TSHAPE_UNROLL
  for (int i = 0; i < R; ++i)
    TSHAPE_UNROLL
    for (int j = 0; j < 4; ++j) acc[i][j] = _mm256_setzero_si256();
  for (int g = 0; g < groups; ++g) {
    const std::int8_t* wg = wb + g * channel_block * depth_group;
    __m256i w[4];
    TSHAPE_UNROLL
    for (int j = 0; j < 4; ++j) w[j] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wg + 16 * j)));
    TSHAPE_UNROLL
    for (int i = 0; i < R; ++i) {
      const std::int8_t* xr = x + static_cast<std::size_t>(i) * in;
      std::int32_t d;
      if (g < full) std::memcpy(&d, xr + g * depth_group, 4);
      else d = group_bytes(xr, in, g);
      const __m256i v = _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(d)));
      TSHAPE_UNROLL
      for (int j = 0; j < 4; ++j) acc[i][j] = _mm256_add_epi32(acc[i][j], _mm256_madd_epi16(w[j], v));
    }
  }
  // Pairwise sums: hadd interleaves the 128-bit halves, the permute puts the channels back in order.
  TSHAPE_UNROLL
  for (int i = 0; i < R; ++i) {
    std::int8_t* yr = y + static_cast<std::size_t>(i) * units;
    store8(yr, lo(_mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[i][0], acc[i][1]), _MM_SHUFFLE(3, 1, 2, 0))), n < 8 ? n : 8);
    if (n > 8)
      store8(yr + 8, hi(_mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[i][2], acc[i][3]), _MM_SHUFFLE(3, 1, 2, 0))), n - 8);
  }
}
}  // namespace detail

/// AVX2 (vpmaddubsw's 16-bit pair sums could saturate, so bytes are widened and vpmaddwd used); two
/// rows at a time share the widened weights.
inline void dense_avx2(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed,
                       const requantization& q, std::int8_t* y) {
  const int groups = depth_groups(in);
  for (int b = 0; b * channel_block < units; ++b) {
    const std::int8_t* wb = packed + static_cast<std::size_t>(b) * groups * channel_block * depth_group;
    const int c0 = b * channel_block;
    const int n = units - c0 < channel_block ? units - c0 : channel_block;
    const detail::requant8 lo(q, c0, n < 8 ? n : 8, 0);
    const detail::requant8 hi(q, c0 + 8, n > 8 ? n - 8 : 0, 0);
    int r = 0;
    for (; r + 2 <= rows; r += 2)
      detail::avx2_rows<2>(in, x + static_cast<std::size_t>(r) * in, wb, lo, hi, units, n, y + static_cast<std::size_t>(r) * units + c0);
    if (r < rows)
      detail::avx2_rows<1>(in, x + static_cast<std::size_t>(r) * in, wb, lo, hi, units, n, y + static_cast<std::size_t>(r) * units + c0);
  }
}
#endif

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__ARM_NEON) && defined(__aarch64__)
#define TSHAPE_QUANT_NEON 1
/// NEON: with the dot-product extension, vdotq_s32 sums 4 byte products per lane (4 channels per
/// register); without it, vmull_s8 multiplies 8 bytes (2 channels) into 16 bits (no overflow: at most
/// 128 * 127) and vpadalq_s16 adds pairs into each channel's two 32-bit partial sums.
inline void dense_neon(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed,
                       const requantization& q, std::int8_t* y) {
  const int groups = depth_groups(in);
  for (int b = 0; b * channel_block < units; ++b) {
    const std::int8_t* wb = packed + static_cast<std::size_t>(b) * groups * channel_block * depth_group;
    const int c0 = b * channel_block;
    const int n = units - c0 < channel_block ? units - c0 : channel_block;
    for (int r = 0; r < rows; ++r) {
      const std::int8_t* xr = x + static_cast<std::size_t>(r) * in;
      alignas(16) std::int32_t out[channel_block];
#if defined(__ARM_FEATURE_DOTPROD)
      int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
      for (int g = 0; g < groups; ++g) {
        const std::int8_t* wg = wb + g * channel_block * depth_group;
        const int8x16_t v = vreinterpretq_s8_s32(vdupq_n_s32(detail::group_bytes(xr, in, g)));
        a0 = vdotq_s32(a0, vld1q_s8(wg), v);
        a1 = vdotq_s32(a1, vld1q_s8(wg + 16), v);
        a2 = vdotq_s32(a2, vld1q_s8(wg + 32), v);
        a3 = vdotq_s32(a3, vld1q_s8(wg + 48), v);
      }
#else
      int32x4_t p[8];
      for (auto& a : p) a = vdupq_n_s32(0);
      for (int g = 0; g < groups; ++g) {
        const std::int8_t* wg = wb + g * channel_block * depth_group;
        const int8x8_t v = vreinterpret_s8_s32(vdup_n_s32(detail::group_bytes(xr, in, g)));
        TSHAPE_UNROLL
        for (int h = 0; h < 8; ++h) p[h] = vpadalq_s16(p[h], vmull_s8(vld1_s8(wg + 8 * h), v));
      }
      // p[h] holds channels 2h and 2h + 1, two partial sums each: pairwise adds put 4 channels in a lane each.
      const int32x4_t a0 = vpaddq_s32(p[0], p[1]), a1 = vpaddq_s32(p[2], p[3]), a2 = vpaddq_s32(p[4], p[5]),
                      a3 = vpaddq_s32(p[6], p[7]);
#endif
      vst1q_s32(out, a0);
      vst1q_s32(out + 4, a1);
      vst1q_s32(out + 8, a2);
      vst1q_s32(out + 12, a3);
      for (int j = 0; j < n; ++j) y[static_cast<std::size_t>(r) * units + c0 + j] = detail::finish(out[j], c0 + j, q);
    }
  }
}
#endif

#if !defined(TSHAPE_FORCE_SCALAR) && defined(__ARM_FEATURE_DSP) && !defined(__aarch64__)
#define TSHAPE_QUANT_ARM_DSP 1
namespace detail {
/// Bytes 1 and 3 of w, sign-extended into two 16-bit halves (one sxtb16 with its rotation).
TSHAPE_ALWAYS_INLINE std::uint32_t odd_bytes(std::uint32_t w) {
  std::uint32_t r;
  asm("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(w));
  return r;
}
/// sum + the 4 byte products of x and w, by pairs: bytes 0 and 2, then 1 and 3.
TSHAPE_ALWAYS_INLINE std::int32_t dot4(std::uint32_t x_even, std::uint32_t x_odd, std::uint32_t w, std::int32_t sum) {
  sum = __smlad(static_cast<int16x2_t>(x_even), static_cast<int16x2_t>(__sxtb16(w)), sum);
  return __smlad(static_cast<int16x2_t>(x_odd), static_cast<int16x2_t>(odd_bytes(w)), sum);
}
/// One word of 4 bytes from p (any alignment: the Cortex-M4 loads unaligned words).
TSHAPE_ALWAYS_INLINE std::uint32_t load_word(const std::int8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
/// Four channels' sums + their dot products with one depth group xw; wg holds the four channels'
/// 4 bytes each, one after the other.
TSHAPE_ALWAYS_INLINE void dot4x4(std::uint32_t xw, const std::int8_t* wg, std::int32_t& s0, std::int32_t& s1,
                                 std::int32_t& s2, std::int32_t& s3) {
  const auto xe = static_cast<std::uint32_t>(__sxtb16(xw)), xo = odd_bytes(xw);
  s0 = dot4(xe, xo, load_word(wg), s0);
  s1 = dot4(xe, xo, load_word(wg + 4), s1);
  s2 = dot4(xe, xo, load_word(wg + 8), s2);
  s3 = dot4(xe, xo, load_word(wg + 12), s3);
}
}  // namespace detail


/// Cortex-M4 and the like: four channels at a time, their sums in registers; each depth group's x
/// is unpacked once for the four. The last group, when `in` is not a multiple of 4, is read apart
/// (zeros past `in`), so that every other load is one word.
inline void dense_arm_dsp(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed,
                          const requantization& q, std::int8_t* y) {
  const int groups = depth_groups(in), whole = in / depth_group;
  constexpr int group_stride = channel_block * depth_group;
  for (int r = 0; r < rows; ++r) {
    const std::int8_t* xr = x + static_cast<std::size_t>(r) * in;
    for (int c0 = 0; c0 < units; c0 += 4) {
      const std::int8_t* wq = packed + static_cast<std::size_t>(c0 / channel_block) * groups * group_stride +
                              (c0 % channel_block) * depth_group;
      std::int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int g = 0; g < whole; ++g, wq += group_stride)
        detail::dot4x4(detail::load_word(xr + g * depth_group), wq, s0, s1, s2, s3);
      if (whole < groups) detail::dot4x4(static_cast<std::uint32_t>(detail::group_bytes(xr, in, whole)), wq, s0, s1, s2, s3);
      const std::int32_t sums[4] = {s0, s1, s2, s3};
      for (int j = 0; j < 4 && c0 + j < units; ++j)
        y[static_cast<std::size_t>(r) * units + c0 + j] = detail::finish(sums[j], c0 + j, q);
    }
  }
}
#endif

#if defined(TSHAPE_QUANT_AMX)
/// Whether this thread may use AMX tiles: Linux grants them to a process that asks (arch_prctl
/// ARCH_REQ_XCOMP_PERM for XTILEDATA), once; without that grant the first tile instruction faults.
inline bool amx_available() {
  static const bool granted = [] {
    constexpr long arch_req_xcomp_perm = 0x1023, xfeature_xtiledata = 18;
    return syscall(SYS_arch_prctl, arch_req_xcomp_perm, xfeature_xtiledata) == 0;
  }();
  return granted;
}

namespace detail {
/// The tiles' shapes (palette 1): C0, C1 the int32 sums of two blocks of 16 channels; A 16 rows by
/// `full_groups` (at most 16) depth groups of x; B0, B1 the blocks' same groups; A_tail, B0_tail,
/// B1_tail the same for the last `tail_groups` (fewer) groups.
struct alignas(64) amx_config {
  std::uint8_t palette = 1, start_row = 0, reserved[14] = {};
  std::uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};
  amx_config(int full_groups, int tail_groups) {
    const int t = tail_groups > 0 ? tail_groups : full_groups;
    for (int i = 0; i < 8; ++i) {
      colsb[i] = 64;
      rows[i] = 16;
    }
    colsb[2] = static_cast<std::uint16_t>(full_groups * depth_group);
    rows[3] = rows[4] = static_cast<std::uint8_t>(full_groups);
    colsb[5] = static_cast<std::uint16_t>(t * depth_group);
    rows[6] = rows[7] = static_cast<std::uint8_t>(t);
  }
};

/// One step of products: an A tile from `a`, its rows `a_stride` bytes apart, times the B tiles from
/// w0 (and w1 when C = 2), into the sums in tiles 0 (and 1). A full chunk of groups takes tiles 2, 3
/// and 4, the last, shorter one (Tail) 5, 6 and 7 (amx_config). (g++ spells a tile's number into its
/// instructions' text: it must be written out, not a template argument.)
template <bool Tail, int C>
TSHAPE_ALWAYS_INLINE void amx_products(const std::int8_t* a, std::ptrdiff_t a_stride, const std::int8_t* w0, const std::int8_t* w1) {
  if constexpr (!Tail) {
    _tile_loadd(2, a, a_stride);
    _tile_loadd(3, w0, 64);
    _tile_dpbssd(0, 2, 3);
    if constexpr (C > 1) {
      _tile_loadd(4, w1, 64);
      _tile_dpbssd(1, 2, 4);
    }
  } else {
    _tile_loadd(5, a, a_stride);
    _tile_loadd(6, w0, 64);
    _tile_dpbssd(0, 5, 6);
    if constexpr (C > 1) {
      _tile_loadd(7, w1, 64);
      _tile_dpbssd(1, 5, 7);
    }
  }
}

/// The first `valid` rows of stored sums (C tiles of 16 x 16) requantized to int8: row i of block c to
/// out + i * out_stride + 16 c, the last block's first n_last channels only.
template <int C>
TSHAPE_ALWAYS_INLINE void amx_requantize(const std::int32_t (*sums)[16 * 16], const requant_fast16* rq, int valid, int n_last,
                                         std::int8_t* out, std::size_t out_stride) {
  TSHAPE_UNROLL
  for (int c = 0; c < C; ++c) {
    const int n = c + 1 == C ? n_last : channel_block;
    const __mmask16 k = static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
    for (int i = 0; i < valid; ++i)
      _mm_mask_storeu_epi8(out + static_cast<std::size_t>(i) * out_stride + c * channel_block, k,
                           _mm512_maskz_cvtepi32_epi8(static_cast<__mmask16>(0xFFFF), rq[c](_mm512_load_si512(sums[c] + i * 16))));
  }
}

/// Rows [0, rows) (a multiple of 16) of one or two 16-channel blocks (C = 1, 2) on the tiles loaded by
/// amx_config(16, groups % 16). Two sets of sums: a tile's are requantized after the next tile's
/// products are issued, so that the vector work overlaps the tiles' and no load waits on the tile
/// stores just made.
template <int C>
inline void amx_blocks(int rows, int in, int units, const std::int8_t* x, const std::int8_t* wb, std::size_t block_stride,
                       const requantization& q, int c0, std::int8_t* y) {
  const int groups = depth_groups(in), full_steps = groups / 16, tail = groups % 16;
  const int n_last = units - (c0 + (C - 1) * channel_block) < channel_block ? units - (c0 + (C - 1) * channel_block) : channel_block;
  requant_fast16 rq[C];
  TSHAPE_UNROLL
  for (int c = 0; c < C; ++c) rq[c] = requant_fast16(q, c0 + c * channel_block, c + 1 == C ? n_last : channel_block, 0);
  alignas(64) std::int32_t sums[2][C][16 * 16];
  const std::int8_t* w1 = wb + (C > 1 ? block_stride : 0);
  const int tiles = rows / 16;
  for (int t = 0; t < tiles; ++t) {
    const std::int8_t* xr = x + static_cast<std::size_t>(t) * 16 * in;
    _tile_zero(0);
    if constexpr (C > 1) _tile_zero(1);
    for (int s = 0; s < full_steps; ++s)
      amx_products<false, C>(xr + s * 64, in, wb + static_cast<std::size_t>(s) * 16 * 64, w1 + static_cast<std::size_t>(s) * 16 * 64);
    if (tail > 0)  // the last groups: their bytes past `in` meet zero weights
      amx_products<true, C>(xr + full_steps * 64, in, wb + static_cast<std::size_t>(full_steps) * 16 * 64,
                            w1 + static_cast<std::size_t>(full_steps) * 16 * 64);
    if (t > 0) amx_requantize<C>(sums[(t - 1) & 1], rq, 16, n_last, y + static_cast<std::size_t>(t - 1) * 16 * units + c0, units);
    _tile_stored(0, sums[t & 1][0], 64);
    if constexpr (C > 1) _tile_stored(1, sums[t & 1][C - 1], 64);
  }
  if (tiles > 0) amx_requantize<C>(sums[(tiles - 1) & 1], rq, 16, n_last, y + static_cast<std::size_t>(tiles - 1) * 16 * units + c0, units);
}
}  // namespace detail

/// AMX: whole blocks of 16 rows by pairs of 16-channel blocks on the tiles, the rest on VNNI. The
/// caller checks amx_available().
inline void dense_amx(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed, const requantization& q,
                      std::int8_t* y) {
  // A row is read in whole depth groups: past `in` when in % 4 != 0, which is past x's end on its last row.
  int tiled = rows / 16 * 16;
  if (in % depth_group != 0 && tiled == rows) tiled -= 16;
  if (tiled > 0) {
    const std::size_t block_stride = static_cast<std::size_t>(depth_groups(in)) * channel_block * depth_group;
    const int blocks = (units + channel_block - 1) / channel_block;
    const detail::amx_config config(16, depth_groups(in) % 16);
    _tile_loadconfig(&config);
    int b = 0;
    for (; b + 2 <= blocks; b += 2)
      detail::amx_blocks<2>(tiled, in, units, x, packed + b * block_stride, block_stride, q, b * channel_block, y);
    if (b < blocks) detail::amx_blocks<1>(tiled, in, units, x, packed + b * block_stride, block_stride, q, b * channel_block, y);
    _tile_release();
  }
  if (tiled < rows)
    dense_avx512_vnni(rows - tiled, in, units, x + static_cast<std::size_t>(tiled) * in, packed, q,
                      y + static_cast<std::size_t>(tiled) * units);
}
#endif

/// The name of the path dense() takes on this target.
inline const char* dense_path() {
#if defined(TSHAPE_QUANT_AMX)
  return amx_available() ? "amx (avx512_vnni for the last rows)" : "avx512_vnni";
#elif defined(TSHAPE_QUANT_AVX512_VNNI)
  return "avx512_vnni";
#elif defined(TSHAPE_QUANT_AVX2)
  return "avx2";
#elif defined(TSHAPE_QUANT_NEON) && defined(__ARM_FEATURE_DOTPROD)
  return "neon_dotprod";
#elif defined(TSHAPE_QUANT_NEON)
  return "neon";
#elif defined(TSHAPE_QUANT_ARM_DSP)
  return "arm_dsp";
#else
  return "portable";
#endif
}

/// y (rows, units) = the int8 Dense of x (rows, in) with packed weights, on the fastest path the target has.
inline void dense(int rows, int in, int units, const std::int8_t* x, const std::int8_t* packed, const requantization& q,
                  std::int8_t* y) {
#if defined(TSHAPE_QUANT_AMX)
  if (rows >= 16 && amx_available())
    dense_amx(rows, in, units, x, packed, q, y);
  else
    dense_avx512_vnni(rows, in, units, x, packed, q, y);
#elif defined(TSHAPE_QUANT_AVX512_VNNI)
  dense_avx512_vnni(rows, in, units, x, packed, q, y);
#elif defined(TSHAPE_QUANT_AVX2)
  dense_avx2(rows, in, units, x, packed, q, y);
#elif defined(TSHAPE_QUANT_NEON)
  dense_neon(rows, in, units, x, packed, q, y);
#elif defined(TSHAPE_QUANT_ARM_DSP)
  dense_arm_dsp(rows, in, units, x, packed, q, y);
#else
  dense_portable(rows, in, units, x, packed, q, y);
#endif
}

}  // namespace tshape::kernels::quant
