// Int8 DepthwiseConv2D, bit for bit against TFLite's reference loops (depthwise_reference): odd images
// and channel counts (partial blocks of 16), depth multipliers 1 to 3, windows 1x1 to 5x3, strides 1
// and 2, dilation, 'valid' and 'same' padding, batch 1 and more, every path of the target, and the
// fused ReLU/ReLU6 clamps.
#include <tshape/kernels/quant/depthwise.hpp>

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "../support.hpp"
#include "xorshift.hpp"

using namespace tshape::kernels;
using namespace tshape::kernels::quant;

namespace {
using tshape_test::next;

using depthwise_fn = void (*)(const window_geometry&, int, const std::int8_t*, const std::int8_t*, const requantization&,
                              std::int8_t*);

void check(const char* name, depthwise_fn path) {
  struct spec {
    int h, w, c, m, kh, kw, stride, dilation;
    bool same;
  };
  for (const spec s : {spec{5, 7, 3, 1, 3, 3, 1, 1, false}, spec{6, 6, 16, 1, 3, 3, 1, 1, true}, spec{9, 8, 21, 1, 3, 3, 2, 1, true},
                       spec{7, 5, 33, 1, 1, 1, 1, 1, false}, spec{8, 9, 5, 2, 3, 2, 2, 1, true}, spec{3, 11, 2, 3, 2, 5, 1, 1, false},
                       spec{9, 9, 17, 1, 3, 3, 1, 2, true}, spec{10, 7, 4, 2, 3, 3, 1, 2, false}, spec{4, 4, 40, 1, 5, 3, 2, 1, true}})
    for (int batch : {1, 3})
      for (int clamp = 0; clamp < 3; ++clamp) {  // 2: no clamp, multipliers below 2^-20 and above 1
        INFO(name << " h " << s.h << " w " << s.w << " c " << s.c << " m " << s.m << " k " << s.kh << "x" << s.kw << " stride "
                  << s.stride << " dilation " << s.dilation << " same " << s.same << " batch " << batch << " clamp " << clamp);
        const window_geometry g =
            make_geometry(s.h, s.w, s.c, s.kh, s.kw, s.stride, s.stride, s.dilation, s.dilation, s.same, s.c * s.m);
        std::uint64_t seed = static_cast<std::uint64_t>(s.h * 131 + s.c * 17 + s.m * 7 + s.kw + batch) | 1;
        std::vector<std::int8_t> x(static_cast<std::size_t>(batch) * s.h * s.w * s.c),
            w(static_cast<std::size_t>(s.kh) * s.kw * g.oc);
        for (auto& v : x) v = static_cast<std::int8_t>(static_cast<int>(next(seed) % 256) - 128);
        for (auto& v : w) v = static_cast<std::int8_t>(static_cast<int>(next(seed) % 255) - 127);  // symmetric: [-127, 127]
        std::vector<std::int8_t> packed(depthwise_bytes(s.kh * s.kw, g.oc));
        pack_depthwise(s.kh * s.kw, g.oc, w.data(), packed.data());
        std::vector<std::int32_t> bias, mult, shift;
        for (int c = 0; c < g.oc; ++c) {
          bias.push_back(static_cast<std::int32_t>(next(seed) % 4001) - 2000);
          const double scale = clamp < 2 ? 1e-4 * static_cast<double>(1 + next(seed) % 10000)
                                         : (c % 2 ? 1e-8 : 2.0) * static_cast<double>(1 + next(seed) % 100);
          const auto m = quantize_multiplier(scale);
          mult.push_back(m.value);
          shift.push_back(m.shift);
        }
        const std::int32_t zp_out = static_cast<std::int32_t>(next(seed) % 256) - 128;
        requantization q{bias.data(), nullptr, mult.data(), shift.data(), static_cast<std::int32_t>(next(seed) % 256) - 128,
                         zp_out, -128, 127};
        if (clamp == 1) {  // ReLU6-like: from the zero point to a little above
          q.min = zp_out;
          q.max = zp_out + 40 < 127 ? zp_out + 40 : 127;
        }
        const std::size_t out = static_cast<std::size_t>(batch) * g.oh * g.ow * g.oc;
        std::vector<std::int8_t> expected(out), got(out, 99);
        depthwise_reference(g, batch, x.data(), w.data(), q, expected.data());
        path(g, batch, x.data(), packed.data(), q, got.data());
        REQUIRE(got == expected);
      }
}
}  // namespace

TEST_CASE("int8 DepthwiseConv2D is bit-exact with TFLite's reference loops on every path", "[quant]") {
  check("portable", depthwise_portable);
#ifdef TSHAPE_QUANT_DEPTHWISE_AVX2
  check("avx2", depthwise_avx2);
#endif
#ifdef TSHAPE_QUANT_DEPTHWISE_AVX512
  check("avx512", depthwise_avx512);
#endif
#ifdef TSHAPE_QUANT_DEPTHWISE_NEON
  check("neon", depthwise_neon);
#endif
  check(depthwise_path(), depthwise);
}

TEST_CASE("int8 DepthwiseConv2D at the extremes: largest inputs and weights, both zero points", "[quant]") {
  // |x - zp| = 255 and |w| = 127: the largest 16-bit products the vector path makes.
  const window_geometry g = make_geometry(3, 3, 16, 3, 3, 1, 1, 1, 1, true, 16);
  for (int zp : {-128, 127}) {
    std::vector<std::int8_t> x(3 * 3 * 16, static_cast<std::int8_t>(zp == -128 ? 127 : -128)), w(9 * 16);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<std::int8_t>(i % 2 ? 127 : -127);
    std::vector<std::int8_t> packed(depthwise_bytes(9, 16));
    pack_depthwise(9, 16, w.data(), packed.data());
    std::vector<std::int32_t> mult(16), shift(16);
    const auto m = quantize_multiplier(0.003);
    for (int c = 0; c < 16; ++c) mult[c] = m.value, shift[c] = m.shift;
    const requantization q{nullptr, nullptr, mult.data(), shift.data(), zp, 3, -128, 127};
    std::vector<std::int8_t> expected(3 * 3 * 16), got(3 * 3 * 16);
    depthwise_reference(g, 1, x.data(), w.data(), q, expected.data());
    depthwise(g, 1, x.data(), packed.data(), q, got.data());
    CHECK(got == expected);
  }
}

#if defined(TSHAPE_QUANT_DEPTHWISE_AVX2) || defined(TSHAPE_QUANT_DEPTHWISE_NEON)
namespace {
/// Each vector path's requantization of 16 sums, zp_out added and clamped.
using requantize_fn = void (*)(const requantization&, const std::int32_t*, std::int32_t*);
std::vector<std::pair<const char*, requantize_fn>> requantizers() {
  std::vector<std::pair<const char*, requantize_fn>> fns;
#if defined(TSHAPE_QUANT_DEPTHWISE_AVX512)
  fns.emplace_back("avx512", [](const requantization& q, const std::int32_t* in, std::int32_t* out) {
    const detail::requant_dw16 rq(q, 0, 16);
    _mm512_storeu_si512(out, rq(_mm512_loadu_si512(in)));
  });
#endif
#if defined(TSHAPE_QUANT_DEPTHWISE_AVX2)
  fns.emplace_back("avx2", [](const requantization& q, const std::int32_t* in, std::int32_t* out) {
    for (int h = 0; h < 2; ++h) {
      const detail::requant_dw8 rq(q, 8 * h, 8);
      const __m256i r = rq(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 8 * h)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8 * h),
                          _mm256_min_epi32(_mm256_max_epi32(r, _mm256_set1_epi32(q.min)), _mm256_set1_epi32(q.max)));
    }
  });
#endif
#if defined(TSHAPE_QUANT_DEPTHWISE_NEON)
  fns.emplace_back("neon", [](const requantization& q, const std::int32_t* in, std::int32_t* out) {
    for (int v = 0; v < 4; ++v) {
      const detail::requant4_neon rq(q, 4 * v, 4);
      const int32x4_t r = rq(vld1q_s32(in + 4 * v), vdupq_n_s32(q.output_zero_point));
      vst1q_s32(out + 4 * v, vminq_s32(vmaxq_s32(r, vdupq_n_s32(q.min)), vdupq_n_s32(q.max)));
    }
  });
#endif
  return fns;
}
}  // namespace

TEST_CASE("int8 DepthwiseConv2D's vector requantization equals TFLite's two roundings", "[quant]") {
  // Sums at the int32 extremes and at rounding ties, multipliers from 0 to just under 1 and above 1
  // (left shifts), right shifts up to 20 and beyond (the x86 paths' fallback).
  std::uint64_t seed = 12345;
  std::vector<std::int32_t> sums = {0, 1, -1, 2, -2, 3, -3, std::numeric_limits<std::int32_t>::max(),
                                    std::numeric_limits<std::int32_t>::min(), 1 << 20, -(1 << 20), (1 << 20) + (1 << 19),
                                    -(1 << 20) - (1 << 19)};
  for (int i = 0; i < 3000; ++i) sums.push_back(static_cast<std::int32_t>(next(seed)) >> (next(seed) % 31));
  for (const double scale : {0.0, 1e-9, 3e-7, 6e-7, 1e-5, 0.00390625, 0.0123, 0.5, 0.75, 0.999999, 1.5, 7.25, 1000.0}) {
    std::int32_t mult[16], shift[16], bias[16] = {};
    for (int j = 0; j < 16; ++j) {
      const auto m = quantize_multiplier(scale * (1.0 + j / 16.0));
      mult[j] = m.value, shift[j] = m.shift;
    }
    for (const std::int32_t zp : {-128, -5, 0, 127})
      for (int clamp = 0; clamp < 3; ++clamp) {  // 2: no clamp, multipliers below 2^-20 and above 1
        const requantization q{bias, nullptr, mult, shift, 0, zp, clamp ? zp : -128, clamp ? (zp + 20 < 127 ? zp + 20 : 127) : 127};
        for (std::size_t i = 0; i < sums.size(); i += 16) {
          std::int32_t in[16], out[16];
          for (int j = 0; j < 16; ++j) in[j] = sums[(i + j * 7) % sums.size()];
          for (const auto& [name, requantize] : requantizers()) {
            requantize(q, in, out);
            for (int j = 0; j < 16; ++j) {
            // zp_out added in int32 as TFLite does; wrapped here without the undefined behaviour.
            std::int32_t e = static_cast<std::int32_t>(
                static_cast<std::uint32_t>(multiply_by_quantized_multiplier(in[j], mult[j], shift[j])) + static_cast<std::uint32_t>(zp));
            e = e < q.min ? q.min : e > q.max ? q.max : e;
            INFO(name << " scale " << scale << " sum " << in[j] << " zp " << zp);
            REQUIRE(out[j] == e);
            }
          }
        }
      }
  }
}
#endif
