// Int8 Conv2D as the Dense on patches, bit for bit against TFLite's direct reference loops: odd
// images, channel counts and windows, strides 1 and 2, 'valid' and 'same' padding (where the
// zero-point padding must count as nothing), batch 1 and more, every Dense path of the target, and
// the AVX-512 VNNI path without patches (window rows of whole 4-byte groups, one-row windows of any
// depth, 1x1 stride 1, pixel counts that leave a partial tile, 1 to 5 blocks of 16 filters) and with
// blocks of padded patches.
// Then Conv1D's geometries (one row): kernels 1 to 5, strides and dilations 1 to 3, 'valid', 'same'
// and 'causal' padding, odd lengths and channel counts (whole 4-byte taps or not), and a few dilated
// 2D windows.
#include <tshape/kernels/quant/conv.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "../support.hpp"
#include "xorshift.hpp"

using namespace tshape::kernels::quant;

namespace {
using tshape_test::next;

// One geometry against the reference, random data, weights and requantization.
template <class Conv>
void check_one(const conv_geometry& g, int batch, Conv&& conv) {
  std::uint64_t seed = static_cast<std::uint64_t>(g.h * 131 + g.w * 7 + g.cin * 17 + g.cout + g.kw * 3 + batch) | 1;
  std::vector<std::int8_t> x(static_cast<std::size_t>(batch) * g.h * g.w * g.cin), w(static_cast<std::size_t>(g.cout) * g.patch());
  for (auto& v : x) v = static_cast<std::int8_t>(static_cast<int>(next(seed) % 256) - 128);
  for (auto& v : w) v = static_cast<std::int8_t>(static_cast<int>(next(seed) % 255) - 127);
  std::vector<std::int8_t> packed(packed_bytes(g.patch(), g.cout));
  pack_weights(g.patch(), g.cout, w.data(), packed.data());
  std::vector<std::int32_t> bias, sums, mult, shift;
  for (int c = 0; c < g.cout; ++c) {
    std::int32_t sum = 0;
    for (int k = 0; k < g.patch(); ++k) sum += w[static_cast<std::size_t>(c) * g.patch() + k];
    sums.push_back(sum);
    bias.push_back(static_cast<std::int32_t>(next(seed) % 4001) - 2000);
    const auto m = quantize_multiplier(1e-4 * static_cast<double>(1 + next(seed) % 10000));
    mult.push_back(m.value);
    shift.push_back(m.shift);
  }
  const requantization q{bias.data(), sums.data(), mult.data(), shift.data(), static_cast<std::int32_t>(next(seed) % 256) - 128,
                         static_cast<std::int32_t>(next(seed) % 256) - 128, -128, 127};
  const std::size_t out = static_cast<std::size_t>(batch) * g.out_h * g.out_w * g.cout;
  std::vector<std::int8_t> expected(out), got(out, 99), scratch(g.scratch_bytes());
  conv2d_reference(g, batch, x.data(), w.data(), q, expected.data());
  conv(g, batch, x.data(), packed.data(), q, scratch.data(), got.data());
  REQUIRE(got == expected);
}

enum class pad { valid, same, causal };
// One axis as Keras has it: the output extent and the padding before (TensorFlow's 'same' puts the odd
// cell after; 'causal' puts the dilated window's extent - 1 cells before).
void axis(int in, int k, int stride, int dilation, pad p, int& out, int& before) {
  const int window = (k - 1) * dilation + 1;
  if (p == pad::valid) {
    out = (in - window) / stride + 1, before = 0;
  } else {
    out = (in + stride - 1) / stride;
    before = p == pad::causal ? window - 1 : std::max((out - 1) * stride + window - in, 0) / 2;
  }
}

template <class Conv>
void check_dilated(const char* name, Conv&& conv) {
  // Conv1D: one row of `steps`.
  for (int steps : {1, 6, 13})
    for (int cin : {1, 3, 4, 8})
      for (int k = 1; k <= 5; ++k)
        for (int stride = 1; stride <= 3; ++stride)
          for (int dilation = 1; dilation <= 3; ++dilation)
            for (pad p : {pad::valid, pad::same, pad::causal}) {
              if (p == pad::valid && (k - 1) * dilation + 1 > steps) continue;
              const int cout = (steps + cin + k) % 3 == 0 ? 1 : (steps + k + stride) % 2 ? 5 : 17;
              const int batch = (k + dilation) % 2 ? 1 : 2;
              conv_geometry g{1, steps, cin, 1, k, cout, 1, stride, 0, 0, 1, 0};
              g.dilation_w = dilation;
              axis(steps, k, stride, dilation, p, g.out_w, g.pad_left);
              INFO(name << " steps " << steps << " cin " << cin << " k " << k << " stride " << stride << " dilation "
                        << dilation << " padding " << static_cast<int>(p) << " cout " << cout << " batch " << batch);
              check_one(g, batch, conv);
            }
  // 2D windows dilated along one axis or both.
  struct spec {
    int h, w, cin, kh, kw, cout, dh, dw;
    pad p;
  };
  for (const spec s : {spec{9, 8, 4, 3, 3, 20, 2, 2, pad::same}, spec{7, 9, 3, 2, 3, 5, 1, 3, pad::valid},
                       spec{8, 6, 8, 3, 1, 17, 3, 1, pad::same}, spec{6, 7, 4, 2, 2, 33, 2, 1, pad::valid}})
    for (int batch : {1, 2}) {
      conv_geometry g{s.h, s.w, s.cin, s.kh, s.kw, s.cout, 1, 1, 0, 0, 0, 0, s.dh, s.dw};
      axis(s.h, s.kh, 1, s.dh, s.p, g.out_h, g.pad_top);
      axis(s.w, s.kw, 1, s.dw, s.p, g.out_w, g.pad_left);
      INFO(name << " h " << s.h << " w " << s.w << " cin " << s.cin << " k " << s.kh << "x" << s.kw << " dilation " << s.dh
                << "x" << s.dw << " batch " << batch);
      check_one(g, batch, conv);
    }
}

template <class Conv>
void check(const char* name, Conv&& conv) {
  struct spec {
    int h, w, cin, kh, kw, cout, stride;
    bool same;
  };
  for (const spec s : {spec{5, 7, 3, 3, 3, 5, 1, false}, spec{6, 6, 1, 3, 3, 17, 1, true}, spec{9, 8, 5, 3, 2, 8, 2, true},
                       spec{7, 5, 16, 1, 1, 33, 1, false}, spec{4, 4, 7, 4, 4, 3, 2, true}, spec{3, 11, 2, 2, 5, 16, 2, false},
                       spec{7, 9, 4, 3, 3, 32, 1, true}, spec{5, 13, 8, 1, 1, 64, 1, false}, spec{9, 7, 12, 3, 3, 70, 2, true},
                       spec{6, 5, 4, 1, 1, 48, 2, false}, spec{11, 3, 16, 5, 3, 20, 1, true}, spec{10, 10, 3, 3, 3, 16, 2, true},
                       spec{13, 11, 3, 3, 3, 40, 1, true}, spec{2, 2, 20, 3, 3, 64, 1, true}, spec{5, 9, 3, 1, 3, 20, 2, true},
                       spec{6, 7, 1, 1, 5, 7, 1, false}})
    for (int batch : {1, 3}) {
      INFO(name << " h " << s.h << " w " << s.w << " cin " << s.cin << " k " << s.kh << "x" << s.kw << " cout " << s.cout
                << " stride " << s.stride << " same " << s.same << " batch " << batch);
      conv_geometry g{s.h, s.w, s.cin, s.kh, s.kw, s.cout, s.stride, s.stride, 0, 0, 0, 0};
      if (s.same) {  // Keras: out = ceil(in / stride), the odd padding cell at the bottom/right
        g.out_h = (s.h + s.stride - 1) / s.stride;
        g.out_w = (s.w + s.stride - 1) / s.stride;
        g.pad_top = std::max((g.out_h - 1) * s.stride + s.kh - s.h, 0) / 2;
        g.pad_left = std::max((g.out_w - 1) * s.stride + s.kw - s.w, 0) / 2;
      } else {
        g.out_h = (s.h - s.kh) / s.stride + 1;
        g.out_w = (s.w - s.kw) / s.stride + 1;
      }
      check_one(g, batch, conv);
    }
  check_dilated(name, conv);
}

// Conv2D through one Dense path.
auto through(dense_fn path) {
  return [path](const conv_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed, const requantization& q,
                std::int8_t* scratch, std::int8_t* y) { conv2d(g, batch, x, packed, q, scratch, y, path); };
}
}  // namespace

TEST_CASE("int8 Conv2D on patches is bit-exact with the direct reference on every path", "[quant]") {
  check("portable", through(dense_portable));
#ifdef TSHAPE_QUANT_AVX512_VNNI
  check("avx512_vnni", through(dense_avx512_vnni));
#endif
#ifdef TSHAPE_QUANT_AMX
  if (amx_available()) check("amx", through(dense_amx));  // images of fewer than 16 pixels: VNNI
#endif
#ifdef TSHAPE_QUANT_AVX2
  check("avx2", through(dense_avx2));
#endif
#ifdef TSHAPE_QUANT_NEON
  check("neon", through(dense_neon));
#endif
  check(dense_path(), through(dense));
}

#ifdef TSHAPE_QUANT_AVX512_VNNI
TEST_CASE("int8 Conv2D: the AVX-512 VNNI path without patches is bit-exact", "[quant]") {
  check("avx512_vnni direct", conv2d_avx512_vnni);
}
#endif

TEST_CASE("int8 Conv2D: the target's path is bit-exact", "[quant]") {
  check(conv2d_path(), [](const conv_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                          const requantization& q, std::int8_t* scratch, std::int8_t* y) { conv2d(g, batch, x, packed, q, scratch, y); });
}

#ifdef TSHAPE_QUANT_AMX
TEST_CASE("int8 Conv2D: the AMX path without patches is bit-exact", "[quant]") {
  if (!amx_available()) {
    WARN("the OS does not grant AMX tiles here: the AMX path is not run");
    return;
  }
  // conv2d_amx takes window rows of whole depth groups; the others go to the VNNI path.
  const auto amx_or_vnni = [](const conv_geometry& g, int batch, const std::int8_t* x, const std::int8_t* packed,
                              const requantization& q, std::int8_t* scratch, std::int8_t* y) {
    if (amx_conv_fits(g)) conv2d_amx(g, batch, x, packed, q, scratch, y);
    else conv2d_avx512_vnni(g, batch, x, packed, q, scratch, y);
  };
  check("amx direct", amx_or_vnni);
  // Rows of several tiles of 16 pixels and a partial one; window rows of whole 64-byte chunks and of
  // chunks and a tail; one, two and three blocks of filters; strides 1 and 2.
  struct spec {
    int h, w, cin, k, cout, stride;
  };
  for (const spec s : {spec{5, 37, 16, 3, 32, 1}, spec{4, 16, 64, 3, 48, 1}, spec{6, 40, 8, 3, 16, 2}, spec{3, 21, 20, 5, 33, 1},
                       spec{7, 35, 4, 1, 64, 2}, spec{4, 18, 32, 3, 17, 1}})
    for (int batch : {1, 2}) {
      conv_geometry g{s.h, s.w, s.cin, s.k, s.k, s.cout, s.stride, s.stride, 0, 0, 0, 0};
      axis(s.h, s.k, s.stride, 1, pad::same, g.out_h, g.pad_top);
      axis(s.w, s.k, s.stride, 1, pad::same, g.out_w, g.pad_left);
      INFO("amx h " << s.h << " w " << s.w << " cin " << s.cin << " k " << s.k << " cout " << s.cout << " stride " << s.stride
                    << " batch " << batch);
      REQUIRE(amx_conv_fits(g));
      check_one(g, batch, amx_or_vnni);
    }
}
#endif
