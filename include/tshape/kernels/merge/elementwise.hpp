// The forward rows of the element-wise merges (Add, Subtract, Multiply, Average, Maximum, Minimum):
//
//   y[i] = x0[i s0] op x1[i s1] op ... op x(K-1)[i s(K-1)]      (then / K for the mean)
//
// folded left to right as Keras folds its inputs, where each input is read contiguously (s = 1) or
// as one value repeated along the row (s = 0, an input broadcast along it). The strides are
// template arguments, so each input is a load or one broadcast register per step. On V's registers,
// the tail as one masked register; combine_row<simd::scalar> is the same loop in plain floats with
// the same semantics (IEEE add, subtract, multiply and divide are the same in both; maximum and
// minimum keep the first operand unless the second is strictly larger or smaller, as x86's
// maxps(b, a) does), the reference twin the tests compare against.
#pragma once
#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "../../config.hpp"
#include "../simd/math.hpp"
#include "../simd/simd.hpp"

namespace tshape::kernels::merge {

enum class op { add, subtract, multiply, maximum, minimum };

/// a op b, on one float.
template <op Op>
TSHAPE_ALWAYS_INLINE float apply(float a, float b) {
  if constexpr (Op == op::add)
    return a + b;
  else if constexpr (Op == op::subtract)
    return a - b;
  else if constexpr (Op == op::multiply)
    return a * b;
  else if constexpr (Op == op::maximum)
    return b > a ? b : a;
  else
    return b < a ? b : a;
}

/// a op b, on V's registers.
template <op Op, class V>
TSHAPE_ALWAYS_INLINE typename V::reg apply(typename V::reg a, typename V::reg b) {
  if constexpr (std::is_same_v<V, simd::scalar>) {
    return apply<Op>(a, b);
  } else {
    using M = simd::detail::math_ops<V>;
    if constexpr (Op == op::add)
      return V::add(a, b);
    else if constexpr (Op == op::subtract)
      return V::sub(a, b);
    else if constexpr (Op == op::multiply)
      return V::mul(a, b);
    else if constexpr (Op == op::maximum)
      return M::max(b, a);
    else
      return M::min(b, a);
  }
}

template <class V>
TSHAPE_ALWAYS_INLINE typename V::reg divide(typename V::reg a, typename V::reg b) {
  if constexpr (std::is_same_v<V, simd::scalar>)
    return a / b;
  else
    return simd::detail::math_ops<V>::div(a, b);
}

namespace detail {
template <class V, std::ptrdiff_t S>
TSHAPE_ALWAYS_INLINE typename V::reg load(const float* p, typename V::reg repeated, std::ptrdiff_t i) {
  if constexpr (S == 0)
    return repeated;
  else
    return V::load(p + i);
}
template <class V, std::ptrdiff_t S>
TSHAPE_ALWAYS_INLINE typename V::reg load_partial(const float* p, typename V::reg repeated, std::ptrdiff_t i, int n) {
  if constexpr (S == 0)
    return repeated;
  else
    return V::load_partial(p + i, n);
}

template <std::ptrdiff_t... S>
struct stride_list {};

// Whole registers, then one masked register for the tail (no scalar loop: with V = scalar the
// registers are single floats and there is no tail).
template <class V, op Op, bool Mean, std::size_t J0, std::size_t... J, std::ptrdiff_t S0, std::ptrdiff_t... S>
void combine_row(const float* const* x, float* y, std::ptrdiff_t n, std::index_sequence<J0, J...>,
                 stride_list<S0, S...>) {
  using reg = typename V::reg;
  constexpr std::size_t K = 1 + sizeof...(J);
  if (n <= 0) return;
  const std::array<const float*, K> p{x[J0], x[J]...};
  // The repeated values of broadcast inputs, read once.
  const reg repeated[K] = {(S0 == 0 ? V::broadcast(p[J0][0]) : V::zero()),
                           (S == 0 ? V::broadcast(p[J][0]) : V::zero())...};
  const reg count = V::broadcast(static_cast<float>(K));
  std::ptrdiff_t i = 0;
  for (; i + V::width <= n; i += V::width) {
    reg acc = load<V, S0>(p[J0], repeated[J0], i);
    ((acc = apply<Op, V>(acc, load<V, S>(p[J], repeated[J], i))), ...);
    if constexpr (Mean) acc = divide<V>(acc, count);
    V::store(y + i, acc);
  }
  if constexpr (V::width > 1) {
    if (i < n) {
      const int rest = static_cast<int>(n - i);
      reg acc = load_partial<V, S0>(p[J0], repeated[J0], i, rest);
      ((acc = apply<Op, V>(acc, load_partial<V, S>(p[J], repeated[J], i, rest))), ...);
      if constexpr (Mean) acc = divide<V>(acc, count);
      V::store_partial(y + i, acc, rest);
    }
  }
}
}  // namespace detail

/// y[0..n) = x0 op x1 op ... (/ K when Mean), input k read at stride S[k] (1, or 0: one value).
/// x holds one pointer per stride. y may be a contiguous input itself (in place: each element is
/// read before it is written), but never overlaps one otherwise.
template <class V, op Op, bool Mean, std::ptrdiff_t... S>
void combine_row(const float* const* x, float* y, std::ptrdiff_t n) {
  static_assert(sizeof...(S) >= 1 && ((S == 0 || S == 1) && ...), "tshape: strides are 0 or 1, one per input");
  detail::combine_row<V, Op, Mean>(x, y, n, std::make_index_sequence<sizeof...(S)>{}, detail::stride_list<S...>{});
}

}  // namespace tshape::kernels::merge
