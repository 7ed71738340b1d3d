// Every int8 Dense path against the plain reference, bit for bit, over odd shapes (depths and unit
// counts that are not multiples of 4 or 16, up to 7 blocks of 16, batch 1 and more) and extreme values.
#include <tshape/kernels/quant/dense.hpp>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "../support.hpp"
#include "xorshift.hpp"

using namespace tshape::kernels::quant;

namespace {
struct case_data {
  int rows, in, units;
  std::vector<std::int8_t> x, w, packed;
  std::vector<std::int32_t> bias, sums, mult, shift;
  requantization q;
};

using tshape_test::next;

// extremes: x and w only at -128/127 and -127/127, where sums are largest.
case_data make_case(int rows, int in, int units, bool extremes, fused act) {
  case_data d{rows, in, units, {}, {}, {}, {}, {}, {}, {}, {}};
  std::uint64_t s = static_cast<std::uint64_t>(rows * 7919 + in * 104729 + units * 31 + (extremes ? 5 : 0)) | 1;
  d.x.resize(static_cast<std::size_t>(rows) * in);
  d.w.resize(static_cast<std::size_t>(units) * in);
  for (auto& v : d.x) v = static_cast<std::int8_t>(extremes ? (next(s) & 1 ? 127 : -128) : static_cast<int>(next(s) % 256) - 128);
  for (auto& v : d.w) v = static_cast<std::int8_t>(extremes ? (next(s) & 1 ? 127 : -127) : static_cast<int>(next(s) % 255) - 127);
  d.packed.resize(packed_bytes(in, units));
  pack_weights(in, units, d.w.data(), d.packed.data());
  const affine in_p{0.02f, static_cast<std::int32_t>(next(s) % 256) - 128};
  const affine out_p{0.05f, static_cast<std::int32_t>(next(s) % 256) - 128};
  for (int c = 0; c < units; ++c) {
    std::int32_t sum = 0;
    for (int k = 0; k < in; ++k) sum += d.w[static_cast<std::size_t>(c) * in + k];
    d.sums.push_back(sum);
    d.bias.push_back(static_cast<std::int32_t>(next(s) % 20001) - 10000);
    // Multipliers from 1e-5 to 10: shifts both ways.
    const double m = 1e-5 * static_cast<double>(1 + next(s) % 1000000);
    const auto qm = quantize_multiplier(m);
    d.mult.push_back(qm.value);
    d.shift.push_back(qm.shift);
  }
  const auto range = activation_range(act, out_p);
  d.q = {d.bias.data(), d.sums.data(), d.mult.data(), d.shift.data(), in_p.zero_point, out_p.zero_point, range.min, range.max};
  return d;
}

template <class F>
void check_path(const char* name, F&& path, fused act = fused::linear, bool extremes = false,
                std::initializer_list<int> rows_list = {1, 2, 3, 5, 8}, std::initializer_list<int> in_list = {1, 3, 4, 7, 16, 33, 64, 130}) {
  for (int rows : rows_list)
    for (int in : in_list)
      for (int units : {1, 5, 16, 17, 31, 40, 70, 100}) {
        INFO(name << " rows " << rows << " in " << in << " units " << units << " extremes " << extremes);
        const auto d = make_case(rows, in, units, extremes, act);
        std::vector<std::int8_t> expected(static_cast<std::size_t>(rows) * units), got(expected.size(), 99);
        reference(rows, in, units, d.x.data(), d.w.data(), d.q, expected.data());
        path(rows, in, units, d.x.data(), d.packed.data(), d.q, got.data());
        REQUIRE(got == expected);
      }
}
}  // namespace

TEST_CASE("int8 Dense: the reference is TFLite's formula on a hand-checked case", "[quant]") {
  // x = (3, -2), zp_in = 1: (x - zp) = (2, -3); w = (10, 20): 20 - 60 = -40; bias 100 -> 60;
  // multiplier 0.5 -> 30; zp_out -5 -> 25.
  const std::int8_t x[2] = {3, -2}, w[2] = {10, 20};
  const std::int32_t bias[1] = {100}, sums[1] = {30}, mult[1] = {1 << 30}, shift[1] = {0};
  const requantization q{bias, sums, mult, shift, 1, -5, -128, 127};
  std::int8_t y[1] = {0};
  reference(1, 2, 1, x, w, q, y);
  CHECK(y[0] == 25);
  std::int8_t packed[packed_bytes(2, 1)];
  pack_weights(2, 1, w, packed);
  dense(1, 2, 1, x, packed, q, y);
  CHECK(y[0] == 25);
}

TEST_CASE("int8 Dense: the portable path is bit-exact", "[quant]") {
  check_path("portable", dense_portable);
  check_path("portable", dense_portable, fused::relu, true);
}

#ifdef TSHAPE_QUANT_AVX512_VNNI
TEST_CASE("int8 Dense: the AVX-512 VNNI path is bit-exact", "[quant]") {
  check_path("avx512_vnni", dense_avx512_vnni);
  check_path("avx512_vnni", dense_avx512_vnni, fused::relu6, true);
}
#endif
#ifdef TSHAPE_QUANT_AMX
TEST_CASE("int8 Dense: the AMX path is bit-exact", "[quant]") {
  if (!amx_available()) {
    WARN("the OS does not grant AMX tiles here: the AMX path is not run");
    return;
  }
  // Whole blocks of 16 rows and rows left over (to VNNI); depths below one tile step, whole steps
  // (64, 1024) and steps with a tail, and not whole 4-byte groups (a last block kept off x's end).
  const auto rows = {16, 17, 32, 47, 64};
  const auto depths = {1, 3, 8, 27, 64, 100, 130, 288, 1024};
  check_path("amx", dense_amx, fused::linear, false, rows, depths);
  check_path("amx", dense_amx, fused::relu6, true, rows, depths);
}
#endif
#ifdef TSHAPE_QUANT_AVX2
TEST_CASE("int8 Dense: the AVX2 path is bit-exact", "[quant]") {
  check_path("avx2", dense_avx2);
  check_path("avx2", dense_avx2, fused::relu, true);
}
#endif
#ifdef TSHAPE_QUANT_NEON
TEST_CASE("int8 Dense: the NEON path is bit-exact", "[quant]") {
  check_path("neon", dense_neon);
  check_path("neon", dense_neon, fused::relu, true);
}
#endif

TEST_CASE("int8 Dense: the dispatched path is bit-exact", "[quant]") {
  INFO("path " << dense_path());
  check_path(dense_path(), dense, fused::relu);
}
