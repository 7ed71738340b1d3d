// The int8 Softmax, Logistic and Tanh, bit for bit against TFLite's algorithm written here a second time
// in its most literal form: int64 arithmetic step by step, gemmlowp's operations as their definitions
// say (the doubling high product with its nudge and truncation, the shifts rounding half away from
// zero as a division), the Prepare steps with std::frexp, std::round and std::floor, and the exp
// factors computed from std::exp rather than written down. Every int8 input of Logistic and Tanh at
// several input quantizations (left shifts from 14 to 31), Softmax rows of many lengths and inputs,
// and values worked out by hand.
#include <tshape/kernels/quant/activation.hpp>

#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "../support.hpp"
#include "gemmlowp_literal.hpp"
#include "xorshift.hpp"

using namespace tshape::kernels::quant;

namespace {
namespace lit {
using namespace tshape_test::gemmlowp_literal;
// SaturatingRoundingMultiplyByPOT.
i64 times_pot(i64 x, int e) {
  if (e <= 0) return divide_pot(x, -e);
  const i64 v = x * (i64{1} << e);
  return v > i32_max ? i32_max : v < i32_min ? i32_min : v;
}
i64 wrap(i64 v) { return static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(v))); }
i64 raw_of(double v, int fractional) { return static_cast<i64>(std::round(v * std::ldexp(1.0, fractional))); }

// exp on [-1/4, 0), Q0.31.
i64 exp_quarter(i64 a) {
  const i64 c = raw_of(std::exp(-1.0 / 8.0), 31), third = raw_of(1.0 / 3.0, 31);
  const i64 x = wrap(a + (i64{1} << 28));
  const i64 x2 = mul(x, x), x3 = mul(x2, x), x4 = mul(x2, x2);
  const i64 x4_over_4 = times_pot(x4, -2);
  const i64 poly = times_pot(wrap(mul(wrap(x4_over_4 + x3), third) + x2), -1);
  return wrap(c + mul(c, wrap(x + poly)));
}
// gemmlowp's exp_on_negative_values for a in Q(ib).
i64 exp_negative(i64 a, int ib) {
  const int fb = 31 - ib;
  const i64 quarter = i64{1} << (fb - 2);
  const i64 a_mod = wrap((a & (quarter - 1)) - quarter);
  i64 result = exp_quarter(times_pot(a_mod, ib));  // Rescale to Q0.31
  const i64 remainder = wrap(a_mod - a);
  for (int k = -2; k <= 4; ++k)
    if (ib > k && ((remainder >> (fb + k)) & 1) != 0) result = mul(result, raw_of(std::exp(-std::ldexp(1.0, k)), 31));
  if (ib > 5 && a < -(i64{1} << (36 - ib))) result = 0;
  if (a == 0) result = i32_max;
  return result;
}
// The Newton-Raphson x ~ 1 / half_denominator, Q2.29.
i64 newton(i64 a) {
  const i64 sum = a + i32_max;
  const i64 half = (sum + (sum >= 0 ? 1 : -1)) / 2;
  i64 x = wrap(raw_of(48.0 / 17.0, 29) + mul(half, raw_of(-32.0 / 17.0, 29)));
  for (int i = 0; i < 3; ++i) {
    const i64 one_minus = wrap((i64{1} << 29) - mul(half, x));
    x = wrap(x + times_pot(mul(x, one_minus), 2));
  }
  return x;
}
i64 one_over_one_plus(i64 a) { return times_pot(newton(a), 1); }
i64 one_minus_over_one_plus(i64 a) { return times_pot(wrap(newton(a) - (i64{1} << 29)), 2); }
i64 logistic_q0(i64 a) {  // a in Q4.27
  if (a == 0) return i64{1} << 30;
  const i64 positive = one_over_one_plus(exp_negative(a > 0 ? -a : a, 4));
  return a > 0 ? positive : wrap(i32_max - positive);
}
i64 tanh_q0(i64 a) {  // a in Q4.27
  if (a == 0) return 0;
  const i64 t = one_minus_over_one_plus(exp_negative(a < 0 ? a : -a, 5));
  return a < 0 ? -t : t;
}
// MultiplyByQuantizedMultiplier with TFLite's two roundings.
i64 requantize(i64 x, i64 m, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  return divide_pot(mul(wrap(x * (i64{1} << left)), m), right);
}
int radius(int integer_bits, int left_shift) {
  return static_cast<int>(std::floor(((1 << integer_bits) - 1) * std::ldexp(1.0, 31 - integer_bits) / std::ldexp(1.0, left_shift)));
}
struct prepared {
  i64 multiplier;
  int shift, radius;
};
prepared prepare(float scale) {
  int shift = 0;
  const double q = std::frexp(static_cast<double>(scale) * static_cast<double>(1 << 27), &shift);
  return {static_cast<i64>(std::round(q * std::ldexp(1.0, 31))), shift, radius(4, shift)};
}
std::int8_t sat(i64 v) { return static_cast<std::int8_t>(v < -128 ? -128 : v > 127 ? 127 : v); }

std::int8_t logistic(std::int8_t x, float scale, int zp) {
  const prepared p = prepare(scale);
  const i64 in = x - zp;
  if (in <= -p.radius) return -128;
  if (in >= p.radius) return 127;
  return sat(divide_pot(logistic_q0(requantize(in, p.multiplier, p.shift)), 23) - 128);
}
std::int8_t tanh(std::int8_t x, float scale, int zp) {
  const prepared p = prepare(scale);
  const i64 in = x - zp;
  if (in <= -p.radius) return -128;
  if (in >= p.radius) return 127;
  return sat(divide_pot(tanh_q0(requantize(in, p.multiplier, p.shift)), 24));
}

std::vector<std::int8_t> softmax(const std::vector<std::int8_t>& x, float scale, double beta = 1.0) {
  double real = beta * static_cast<double>(scale) * static_cast<double>(1 << 26);
  real = std::min(real, std::ldexp(1.0, 31) - 1.0);
  int shift = 0;
  const double q = std::frexp(real, &shift);
  i64 m = static_cast<i64>(std::round(q * std::ldexp(1.0, 31)));
  if (m == (i64{1} << 31)) m /= 2, ++shift;
  const i64 diff_min = -radius(5, shift);
  i64 max = -128;
  for (auto v : x) max = std::max<i64>(max, v);
  i64 sum = 0;  // Q12.19
  for (auto v : x)
    if (v - max >= diff_min) sum = wrap(sum + times_pot(exp_negative(mul((v - max) * (i64{1} << shift), m), 5), -12));
  int clz = 0;
  while (clz < 32 && ((static_cast<std::uint64_t>(sum) >> (31 - clz)) & 1) == 0) ++clz;
  const int over_unit = 12 - clz;
  const i64 recip = one_over_one_plus(wrap((sum << clz) - (i64{1} << 31)));
  std::vector<std::int8_t> y(x.size());
  for (std::size_t c = 0; c < x.size(); ++c) {
    const i64 d = x[c] - max;
    y[c] = d >= diff_min ? sat(divide_pot(mul(recip, exp_negative(mul(d * (i64{1} << shift), m), 5)), over_unit + 23) - 128)
                         : std::int8_t{-128};
  }
  return y;
}
}  // namespace lit

std::vector<std::int8_t> random_row(std::size_t n, std::uint64_t seed, int lo, int hi) {
  std::vector<std::int8_t> v(n);
  for (auto& b : v) b = static_cast<std::int8_t>(lo + static_cast<int>(tshape_test::next(seed) % static_cast<std::uint32_t>(hi - lo + 1)));
  return v;
}
}  // namespace

TEST_CASE("int8 Logistic and Tanh are TFLite's on every int8 input, at many input quantizations", "[quant]") {
  std::set<int> shifts;
  for (float scale : {1e-4f, 0.001f, 0.0078125f, 0.01f, 0.02f, 0.037f, 0.05f, 0.0625f, 0.1f, 0.15f, 0.3f, 0.5f, 1.0f, 2.5f, 8.0f})
    for (int zp : {-128, -57, -1, 0, 13, 100, 127}) {
      INFO("scale " << scale << " zero point " << zp);
      const logistic_params p = prepare_logistic({scale, zp});
      shifts.insert(p.input_left_shift);
      const auto lt = logistic_table(p);
      const auto tt = tanh_table(prepare_tanh({scale, zp}));
      for (int v = -128; v <= 127; ++v) {
        const auto x = static_cast<std::int8_t>(v);
        INFO("x " << v);
        CHECK(static_cast<int>(logistic(x, p)) == lit::logistic(x, scale, zp));
        CHECK(static_cast<int>(tanh(x, p)) == lit::tanh(x, scale, zp));
        CHECK(lt[static_cast<std::size_t>(v + 128)] == logistic(x, p));
        CHECK(tt[static_cast<std::size_t>(v + 128)] == tanh(x, p));
      }
    }
  CHECK(shifts.size() >= 12);  // the input scales reach many left shifts (14 .. 31 here)
}

TEST_CASE("int8 Logistic and Tanh are within one output step of the real functions", "[quant]") {
  // One step: the rounding to 8 bits, and the saturation of 1.0 (128 steps above the zero point) to 127.
  for (float scale : {0.001f, 0.01f, 0.05f, 0.1f, 0.3f, 1.0f, 2.5f})
    for (int zp : {-128, 0, 31}) {
      const auto p = prepare_logistic({scale, zp});
      for (int v = -128; v <= 127; ++v) {
        const double x = static_cast<double>(scale) * (v - zp);
        const auto q = static_cast<std::int8_t>(v);
        CHECK(std::fabs((logistic(q, p) + 128) / 256.0 - 1.0 / (1.0 + std::exp(-x))) <= 1.0 / 256 + 1e-9);
        CHECK(std::fabs(tanh(q, p) / 128.0 - std::tanh(x)) <= 1.0 / 128 + 1e-9);
      }
    }
}

TEST_CASE("int8 Logistic and Tanh: values known by hand", "[quant]") {
  // 0 in: sigmoid 1/2 -> 0.5 * 256 - 128 = 0; tanh 0 -> 0; far out they saturate.
  constexpr auto p = prepare_logistic({0.1f, 5});
  STATIC_REQUIRE(logistic(std::int8_t{5}, p) == 0);
  STATIC_REQUIRE(tanh(std::int8_t{5}, p) == 0);
  STATIC_REQUIRE(logistic(std::int8_t{127}, p) == 127);   // sigmoid(12.2) * 256 - 128 rounds to 128, saturated
  STATIC_REQUIRE(logistic(std::int8_t{-128}, p) == -128);
  STATIC_REQUIRE(tanh(std::int8_t{127}, p) == 127);
  STATIC_REQUIRE(tanh(std::int8_t{-128}, p) == -128);
  // sigmoid(1) = 0.731 -> 187.1 - 128 = 59; tanh(1) = 0.7616 -> 97.5 -> 97 (97.48)
  STATIC_REQUIRE(logistic(std::int8_t{15}, p) == 59);
  STATIC_REQUIRE(tanh(std::int8_t{15}, p) == 97);
  STATIC_REQUIRE(tanh(std::int8_t{-5}, p) == -97);
  // Exactly 2^-4 per step: the multiplier is a power of two.
  constexpr auto pot = prepare_logistic({0.0625f, 0});
  STATIC_REQUIRE(pot.input_multiplier == (1 << 30));
  STATIC_REQUIRE(pot.input_left_shift == 24);
  STATIC_REQUIRE(pot.input_range_radius == 15 * 8);  // 15 * 2^27 / 2^24
}

TEST_CASE("int8 Softmax is TFLite's on rows of many lengths, inputs and scales", "[quant]") {
  std::uint64_t seed = 99;
  for (int n : {1, 2, 3, 10, 17, 255, 1000})
    for (float scale : {0.004f, 0.02f, 0.05f, 0.1f, 0.2f, 0.5f, 1.0f, 4.0f, 40.0f}) {
      const softmax_params p = prepare_softmax(scale);
      std::vector<std::vector<std::int8_t>> rows = {
          random_row(static_cast<std::size_t>(n), ++seed, -128, 127), random_row(static_cast<std::size_t>(n), ++seed, 90, 127),
          random_row(static_cast<std::size_t>(n), ++seed, -128, -100), std::vector<std::int8_t>(static_cast<std::size_t>(n), 7),
          std::vector<std::int8_t>(static_cast<std::size_t>(n), -128), std::vector<std::int8_t>(static_cast<std::size_t>(n), 127)};
      auto extremes = rows[3];
      for (std::size_t k = 0; k < extremes.size(); ++k) extremes[k] = static_cast<std::int8_t>(k % 3 == 0 ? 127 : -128);
      rows.push_back(extremes);
      for (const auto& x : rows) {
        INFO("length " << n << " scale " << scale << " first " << static_cast<int>(x[0]));
        std::vector<std::int8_t> y(x.size(), 55);
        softmax(x.data(), y.data(), 1, n, p);
        CHECK(y == lit::softmax(x, scale));
        // In place, and several rows at once.
        std::vector<std::int8_t> twice(x);
        twice.insert(twice.end(), x.begin(), x.end());
        softmax(twice.data(), twice.data(), 2, n, p);
        CHECK(std::vector<std::int8_t>(twice.begin(), twice.begin() + n) == y);
        CHECK(std::vector<std::int8_t>(twice.begin() + n, twice.end()) == y);
      }
    }
}

TEST_CASE("int8 Softmax: values known by hand", "[quant]") {
  constexpr auto p = prepare_softmax(0.1f);
  // Equal logits over 4 classes: 1/4 -> 64 steps of 1/256 -> 64 - 128 = -64.
  constexpr auto equal4 = [] {
    std::array<std::int8_t, 4> x{3, 3, 3, 3}, y{};
    softmax(x.data(), y.data(), 1, 4, prepare_softmax(0.1f));
    return y;
  }();
  STATIC_REQUIRE(equal4 == std::array<std::int8_t, 4>{-64, -64, -64, -64});
  // One class: 1 -> 256 - 128, saturated to 127. Two far apart (25.5 apart at scale 0.1): 127 and -128.
  std::int8_t one = 0, y1 = 0;
  softmax(&one, &y1, 1, 1, p);
  CHECK(y1 == 127);
  std::int8_t two[2] = {127, -128}, y2[2] = {};
  softmax(two, y2, 1, 2, p);
  CHECK(y2[0] == 127);
  CHECK(y2[1] == -128);
  // Equal over 2: 1/2 -> 0; logits (0, ln 3) at scale ln3 / 10 -> 1/4, 3/4 -> -64, 64.
  std::int8_t half[2] = {9, 9}, yh[2] = {};
  softmax(half, yh, 1, 2, p);
  CHECK(yh[0] == 0);
  const float s = static_cast<float>(std::log(3.0) / 10.0);
  std::int8_t q[2] = {0, 10}, yq[2] = {};
  softmax(q, yq, 1, 2, prepare_softmax(s));
  CHECK(std::abs(yq[0] + 64) <= 1);
  CHECK(std::abs(yq[1] - 64) <= 1);
  // diff_min: at scale 0.2 the multiplier's shift is 24 and differences below -124 count as exp 0.
  STATIC_REQUIRE(prepare_softmax(0.2f).input_left_shift == 24);
  STATIC_REQUIRE(prepare_softmax(0.2f).diff_min == -124);
}
