// The int8 Add and the Concatenate's requantization, bit for bit against TFLite's arithmetic written here
// a second time in its most literal form: the Prepare with std::frexp and std::round (QuantizeMultiplier),
// int64 step by step for gemmlowp's doubling high product and rounding shift (as a division), the
// concatenation's rescaling in float with std::round. Every pair of int8 inputs at equal and unequal
// scales and zero points, outputs that saturate, and the kernels' table paths against their plain twins
// over many sizes, and on broadcast rows (a stride of 0).
#include <tshape/kernels/quant/merge.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "../support.hpp"
#include "gemmlowp_literal.hpp"
#include "xorshift.hpp"

using namespace tshape::kernels::quant;

namespace {
namespace lit {
using namespace tshape_test::gemmlowp_literal;

// QuantizeMultiplier: frexp, the mantissa times 2^31 rounded, a mantissa that rounds to 2^31 halved.
void quantize_multiplier(double m, i64& q, int& shift) {
  if (m == 0.0) {
    q = 0;
    shift = 0;
    return;
  }
  const double f = std::frexp(m, &shift);
  q = static_cast<i64>(std::round(f * static_cast<double>(i64{1} << 31)));
  if (q == (i64{1} << 31)) {
    q /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    q = 0;
  }
}
// MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0).
i64 scale_down(i64 x, i64 q, int shift) { return divide_pot(mul(x, q), -shift); }

struct add_setup {
  i64 off1, off2, off_out, m1, m2, mo;
  int s1, s2, so;
};
add_setup prepare(float sc1, int zp1, float sc2, int zp2, float sco, int zpo) {
  add_setup a{};
  a.off1 = -zp1;
  a.off2 = -zp2;
  a.off_out = zpo;
  const double twice_max_input_scale = 2 * std::max(sc1, sc2);
  quantize_multiplier(sc1 / twice_max_input_scale, a.m1, a.s1);
  quantize_multiplier(sc2 / twice_max_input_scale, a.m2, a.s2);
  quantize_multiplier(twice_max_input_scale / ((1 << 20) * static_cast<double>(sco)), a.mo, a.so);
  return a;
}
i64 add(const add_setup& a, i64 x1, i64 x2, i64 lo, i64 hi) {
  const i64 v1 = (a.off1 + x1) * (i64{1} << 20);
  const i64 v2 = (a.off2 + x2) * (i64{1} << 20);
  const i64 raw_sum = scale_down(v1, a.m1, a.s1) + scale_down(v2, a.m2, a.s2);
  const i64 out = scale_down(raw_sum, a.mo, a.so) + a.off_out;
  return std::min(hi, std::max(lo, out));
}
// The concatenation's rescaling of one value.
i64 rescale(int q, float sc_in, int zp_in, float sc_out, int zp_out) {
  if (sc_in == sc_out && zp_in == zp_out) return q;
  const float inverse_output_scale = 1.f / sc_out;
  const float scale = sc_in * inverse_output_scale;
  const float bias = -zp_in * scale;
  const float product = q * scale;
  const i64 value = static_cast<i64>(std::round(product + bias)) + zp_out;
  return std::max<i64>(-128, std::min<i64>(127, value));
}
}  // namespace lit

struct quantization {
  float scale;
  int zero_point;
};
}  // namespace

TEST_CASE("int8 Add's constants are TFLite's Prepare", "[quant]") {
  const add_params p = prepare_add({0.02f, 5}, {0.05f, -3}, {0.07f, -10});
  const auto a = lit::prepare(0.02f, 5, 0.05f, -3, 0.07f, -10);
  CHECK(p.input1_offset == -5);
  CHECK(p.input2_offset == 3);
  CHECK(p.output_offset == -10);
  CHECK(p.left_shift == 20);
  CHECK(p.input1_multiplier == a.m1);
  CHECK(p.input1_shift == a.s1);
  CHECK(p.input2_multiplier == a.m2);
  CHECK(p.input2_shift == a.s2);
  CHECK(p.output_multiplier == a.mo);
  CHECK(p.output_shift == a.so);
  // The larger scale's input is halved: 0.5 = 2^30 * 2^(0 - 31).
  CHECK(p.input2_multiplier == (1 << 30));
  CHECK(p.input2_shift == 0);
}

TEST_CASE("int8 Add is TFLite's, bit for bit, on every pair of inputs", "[quant]") {
  struct setup {
    quantization a, b, out;
  };
  const setup setups[] = {
      {{0.02f, 0}, {0.02f, 0}, {0.04f, 0}},          // equal scales
      {{0.02f, 5}, {0.05f, -3}, {0.07f, -10}},       // unequal scales and zero points
      {{0.1f, -128}, {0.003f, 17}, {0.1f, -128}},    // one input far finer
      {{0.0078f, 127}, {0.0079f, -128}, {0.01f, 3}}, // extreme zero points
      {{0.5f, 0}, {0.25f, 10}, {0.01f, 0}},          // an output range far smaller: saturation both ways
      {{1e-3f, -7}, {2.5e-3f, 40}, {3e-4f, -100}},   // small scales, saturating
      {{3.7f, 12}, {3.7f, 12}, {3.7f, 12}},          // all the same
      {{0.013f, -20}, {0.041f, 100}, {0.05f, -60}},
  };
  const clamp_range ranges[] = {{-128, 127}, {-60, 127}, {-100, 20}};
  for (const auto& s : setups)
    for (const auto r : ranges) {
      INFO("scales " << s.a.scale << " " << s.b.scale << " -> " << s.out.scale << " clamp " << r.min << " " << r.max);
      const add_params p = prepare_add({s.a.scale, s.a.zero_point}, {s.b.scale, s.b.zero_point},
                                       {s.out.scale, s.out.zero_point}, r);
      const auto a = lit::prepare(s.a.scale, s.a.zero_point, s.b.scale, s.b.zero_point, s.out.scale, s.out.zero_point);
      int mismatches = 0, saturated = 0;
      std::vector<std::int8_t> xs, ys;
      for (int x = -128; x < 128; ++x)
        for (int y = -128; y < 128; ++y) {
          xs.push_back(static_cast<std::int8_t>(x));
          ys.push_back(static_cast<std::int8_t>(y));
          const auto expected = lit::add(a, x, y, r.min, r.max);
          const auto got = add_value(static_cast<std::int8_t>(x), static_cast<std::int8_t>(y), p);
          mismatches += got != expected;
          saturated += expected == r.min || expected == r.max;
        }
      CHECK(mismatches == 0);
      CHECK(saturated > 0);
      // The kernel (vectors where the target has them), its tables and its plain twin over all 65536 pairs.
      std::vector<std::int8_t> fast(xs.size()), tabulated(xs.size()), plain(xs.size());
      add(static_cast<std::ptrdiff_t>(xs.size()), xs.data(), ys.data(), p, fast.data());
      add(static_cast<std::ptrdiff_t>(xs.size()), xs.data(), ys.data(), p, add_tables(p), tabulated.data());
      add_reference(static_cast<std::ptrdiff_t>(xs.size()), xs.data(), ys.data(), p, plain.data());
      CHECK(fast == plain);
      CHECK(tabulated == plain);
    }
}

TEST_CASE("int8 Add: the kernel and its plain twin agree over many sizes", "[quant]") {
  std::uint64_t seed = 99;
  const add_params p = prepare_add({0.031f, -4}, {0.017f, 9}, {0.04f, -2});
  for (int n : {0, 1, 7, 16, 255, 256, 257, 1000, 4099}) {
    std::vector<std::int8_t> a(static_cast<std::size_t>(n)), b(a.size()), fast(a.size()), plain(a.size());
    for (auto& v : a) v = static_cast<std::int8_t>(static_cast<int>(tshape_test::next(seed) % 256) - 128);
    for (auto& v : b) v = static_cast<std::int8_t>(static_cast<int>(tshape_test::next(seed) % 256) - 128);
    add(n, a.data(), b.data(), p, fast.data());
    add_reference(n, a.data(), b.data(), p, plain.data());
    CHECK(fast == plain);
    const auto s = lit::prepare(0.031f, -4, 0.017f, 9, 0.04f, -2);
    for (int i = 0; i < n; ++i) CHECK(plain[static_cast<std::size_t>(i)] == lit::add(s, a[static_cast<std::size_t>(i)], b[static_cast<std::size_t>(i)], -128, 127));
  }
}

TEST_CASE("int8 Add: the vector form's shifts both ways, as the plain steps", "[quant]") {
  // An output scale far below the inputs' (a multiplier above 1: a left shift, which TFLite's Prepare
  // would refuse), and one far above (a right shift of 30 and more): every pair, against the plain steps.
  const quantization outs[] = {{1e-7f, 3}, {40.0f, -5}, {2e-9f, 0}};
  for (const auto out : outs) {
    const add_params p = prepare_add({0.8f, -9}, {1.0f, 4}, {out.scale, out.zero_point});
    INFO("output scale " << out.scale << ", output shift " << p.output_shift);
    std::vector<std::int8_t> xs, ys;
    for (int x = -128; x < 128; ++x)
      for (int y = -128; y < 128; ++y) {
        xs.push_back(static_cast<std::int8_t>(x));
        ys.push_back(static_cast<std::int8_t>(y));
      }
    std::vector<std::int8_t> fast(xs.size()), plain(xs.size());
    add(static_cast<std::ptrdiff_t>(xs.size()), xs.data(), ys.data(), p, fast.data());
    add_reference(static_cast<std::ptrdiff_t>(xs.size()), xs.data(), ys.data(), p, plain.data());
    CHECK(fast == plain);
  }
}

TEST_CASE("Concatenate's int8 rescaling is TFLite's, bit for bit, and inputs quantized as the output are copied",
          "[quant]") {
  const quantization ins[] = {{0.02f, 0}, {0.05f, -3}, {0.1f, -128}, {0.003f, 17}, {0.0078f, 127}, {0.7f, 5}, {0.04f, -20}};
  const quantization outs[] = {{0.04f, -20}, {0.02f, 0}, {0.5f, 100}, {0.001f, -128}};
  for (const auto in : ins)
    for (const auto out : outs) {
      INFO("in " << in.scale << " " << in.zero_point << " out " << out.scale << " " << out.zero_point);
      const auto p = prepare_requantize({in.scale, in.zero_point}, {out.scale, out.zero_point});
      CHECK(p.copy == (in.scale == out.scale && in.zero_point == out.zero_point));
      int mismatches = 0;
      for (int q = -128; q < 128; ++q)
        mismatches += requantize_value(static_cast<std::int8_t>(q), p) != lit::rescale(q, in.scale, in.zero_point, out.scale, out.zero_point);
      CHECK(mismatches == 0);
    }
}

TEST_CASE("int8 Concatenate: rows of every input in turn, the kernel as its plain twin", "[quant]") {
  std::uint64_t seed = 5;
  const affine out{0.04f, -20};
  const affine in_q[] = {{0.04f, -20}, {0.013f, 3}, {0.09f, -128}};
  for (std::ptrdiff_t rows : {1, 3, 17})
    for (std::ptrdiff_t base : {1, 5, 16, 300}) {
      const std::ptrdiff_t len[3] = {base, base + 3, 2 * base};
      std::vector<std::int8_t> x[3];
      requantize_params p[3];
      for (int i = 0; i < 3; ++i) {
        x[i].resize(static_cast<std::size_t>(rows * len[i]));
        for (auto& v : x[i]) v = static_cast<std::int8_t>(static_cast<int>(tshape_test::next(seed) % 256) - 128);
        p[i] = prepare_requantize(in_q[i], out);
      }
      const std::int8_t* xs[3] = {x[0].data(), x[1].data(), x[2].data()};
      const std::ptrdiff_t width = len[0] + len[1] + len[2];
      std::vector<std::int8_t> fast(static_cast<std::size_t>(rows * width), 99), plain(fast.size(), 77);
      concatenate(rows, 3, xs, len, p, fast.data());
      concatenate_reference(rows, 3, xs, len, p, plain.data());
      CHECK(fast == plain);
      // Literally: row r is every input's row r in turn, each rescaled (the first copied).
      int mismatches = 0;
      for (std::ptrdiff_t r = 0; r < rows; ++r) {
        std::ptrdiff_t o = r * width;
        for (int i = 0; i < 3; ++i)
          for (std::ptrdiff_t j = 0; j < len[i]; ++j, ++o)
            mismatches += plain[static_cast<std::size_t>(o)] !=
                          lit::rescale(x[i][static_cast<std::size_t>(r * len[i] + j)], in_q[i].scale, in_q[i].zero_point,
                                       out.scale, out.zero_point);
      }
      CHECK(mismatches == 0);
    }
}

TEST_CASE("int8 Add on broadcast rows: a stride of 0 repeats one value", "[quant]") {
  std::uint64_t seed = 17;
  const add_params p = prepare_add({0.02f, 3}, {0.09f, -50}, {0.1f, 7});
  const add_tables tables(p);
  const auto s = lit::prepare(0.02f, 3, 0.09f, -50, 0.1f, 7);
  for (std::ptrdiff_t n : {1, 6, 8, 15, 16, 17, 100, 1029}) {
    std::vector<std::int8_t> a(static_cast<std::size_t>(n)), b(a.size());
    for (auto& v : a) v = static_cast<std::int8_t>(static_cast<int>(tshape_test::next(seed) % 256) - 128);
    for (auto& v : b) v = static_cast<std::int8_t>(static_cast<int>(tshape_test::next(seed) % 256) - 128);
    for (int strides = 0; strides < 3; ++strides) {
      const std::ptrdiff_t sa = strides == 1 ? 0 : 1, sb = strides == 2 ? 0 : 1;
      std::vector<std::int8_t> fast(a.size()), vector(a.size()), prepared(a.size()), plain(a.size());
      add(n, a.data(), b.data(), p, tables, fast.data(), sa, sb);
      add(n, a.data(), b.data(), p, vector.data(), sa, sb);
      const add_kernel kernel(p);
      kernel(n, a.data(), b.data(), prepared.data(), sa, sb);
      add_reference(n, a.data(), b.data(), p, plain.data(), sa, sb);
      CHECK(fast == plain);
      CHECK(vector == plain);
      CHECK(prepared == plain);
      for (std::ptrdiff_t i = 0; i < n; ++i)
        CHECK(plain[static_cast<std::size_t>(i)] == lit::add(s, a[static_cast<std::size_t>(i * sa)], b[static_cast<std::size_t>(i * sb)], -128, 127));
    }
  }
}
