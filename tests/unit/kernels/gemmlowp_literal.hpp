// gemmlowp's fixed-point primitives in their most literal form, for the int8 kernels' tests to check
// TFLite's arithmetic against: int64 step by step, as the definitions say, nothing clever.
#pragma once
#include <cstdint>

namespace tshape_test::gemmlowp_literal {
using i64 = std::int64_t;
constexpr i64 i32_min = -(i64{1} << 31), i32_max = (i64{1} << 31) - 1;

// SaturatingRoundingDoublingHighMul: (a b + nudge) / 2^31, truncated; only INT32_MIN^2 saturates.
inline i64 mul(i64 a, i64 b) {
  if (a == i32_min && b == i32_min) return i32_max;
  const i64 ab = a * b;
  const i64 nudge = ab >= 0 ? (i64{1} << 30) : 1 - (i64{1} << 30);
  return (ab + nudge) / (i64{1} << 31);
}
// RoundingDivideByPOT: x / 2^e, ties away from zero (written as a division, any e up to 62).
inline i64 divide_pot(i64 x, int e) {
  const i64 d = i64{1} << e;
  const i64 m = x < 0 ? -x : x;
  i64 q = m / d;
  if (2 * (m % d) >= d) ++q;
  return x < 0 ? -q : q;
}
}  // namespace tshape_test::gemmlowp_literal
