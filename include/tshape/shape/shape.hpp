// Shape<D...>: a tensor's extents as template parameters, and the algebra on them.
//
// An extent is a non-negative int, or `dyn` for one known only at run time (Keras' `None`).
// Two extents are compatible when they are equal or either is `dyn`. The operations here assume
// their preconditions; the checked forms that explain a violation live in diagnostics/.
#pragma once
#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "../config.hpp"

namespace tshape {

/// An extent known only at run time; prints as `None`, as in Keras. Also Reshape's "infer this one".
inline constexpr int dyn = -1;

template <int... D>
struct Shape {
  static_assert(((D >= 0 || D == dyn) && ...), "tshape: a Shape's extents are non-negative or tshape::dyn");
  static constexpr int rank = sizeof...(D);
  static constexpr std::array<int, sizeof...(D)> extents{D...};
  /// How many extents are `dyn` (a TensorView stores just these).
  static constexpr int dyn_count = (0 + ... + (D == dyn ? 1 : 0));
  static constexpr bool is_static = dyn_count == 0;
  /// Product of the static extents; the element count when `is_static`.
  static constexpr long long static_size = (1LL * ... * (D == dyn ? 1LL : static_cast<long long>(D)));
};

template <class T>
struct is_shape : std::false_type {};
template <int... D>
struct is_shape<Shape<D...>> : std::true_type {};
template <class T>
inline constexpr bool is_shape_v = is_shape<T>::value;

namespace detail {
template <auto A, class Seq>
struct shape_from_array;
template <auto A, std::size_t... I>
struct shape_from_array<A, std::index_sequence<I...>> {
  using type = Shape<A[I]...>;
};

// Normalises a Python-style axis (negative counts from the end) for a rank-`rank` shape.
constexpr int normalize_axis(int axis, int rank) { return axis < 0 ? axis + rank : axis; }
}  // namespace detail

/// The Shape whose extents are the constexpr std::array A.
template <auto A>
using shape_from_array_t = typename detail::shape_from_array<A, std::make_index_sequence<A.size()>>::type;

/// Extent I of S; a negative I counts from the end.
template <class S, int I>
inline constexpr int extent_v = S::extents[detail::normalize_axis(I, S::rank)];

/// The last axis' extent; 1 for a scalar (a row of one value), so that code over rows holds for it.
template <class S>
inline constexpr int last_extent_v = [] {
  if constexpr (S::rank == 0)
    return 1;
  else
    return S::extents[S::rank - 1];
}();

namespace detail {
template <int N, class S>
struct prepend;
template <int N, int... D>
struct prepend<N, Shape<D...>> {
  using type = Shape<N, D...>;
};
template <class A, class B>
struct concat;
template <int... A, int... B>
struct concat<Shape<A...>, Shape<B...>> {
  using type = Shape<A..., B...>;
};

template <class S, int From, int Count>
constexpr auto slice_array() {
  std::array<int, Count> out{};
  for (int i = 0; i < Count; ++i) out[i] = S::extents[From + i];
  return out;
}
template <class S, int Axis>
constexpr auto expand_dims_array() {
  std::array<int, S::rank + 1> out{};
  for (int i = 0, j = 0; i <= S::rank; ++i) out[i] = (i == Axis) ? 1 : S::extents[j++];
  return out;
}
template <class S, int Axis>
constexpr auto squeeze_array() {
  std::array<int, S::rank - 1> out{};
  for (int i = 0, j = 0; i < S::rank; ++i)
    if (i != Axis) out[j++] = S::extents[i];
  return out;
}
template <class S, int Axis, int N>
constexpr auto replace_array() {
  auto out = S::extents;
  out[Axis] = N;
  return out;
}
}  // namespace detail

/// Shape<N, D...>: puts a (batch) axis in front.
template <int N, class S>
using prepend_t = typename detail::prepend<N, S>::type;

/// The axes [From, From + Count) of S.
template <class S, int From, int Count>
using slice_t = shape_from_array_t<detail::slice_array<S, From, Count>()>;

/// S without its first (batch) axis.
template <class S>
using drop_front_t = slice_t<S, 1, S::rank - 1>;

/// S's axes one after the other with T's.
template <class S, class T>
using concat_t = typename detail::concat<S, T>::type;

/// S with axis Axis (negative counts from the end) set to N.
template <class S, int Axis, int N>
using replace_extent_t = shape_from_array_t<detail::replace_array<S, detail::normalize_axis(Axis, S::rank), N>()>;

/// S with a new axis of extent 1 at Axis, numpy-style: Axis in [-(rank+1), rank]; -1 appends.
template <class S, int Axis>
using expand_dims_t =
    shape_from_array_t<detail::expand_dims_array<S, (Axis < 0 ? Axis + S::rank + 1 : Axis)>()>;

/// S without axis Axis (negative counts from the end). The axis should have extent 1.
template <class S, int Axis>
using squeeze_t = shape_from_array_t<detail::squeeze_array<S, detail::normalize_axis(Axis, S::rank)>()>;

/// True when A and B have the same rank and each pair of extents is equal or has a `dyn`.
template <class A, class B>
inline constexpr bool compatible_v = [] {
  if constexpr (A::rank != B::rank) {
    return false;
  } else {
    for (int i = 0; i < A::rank; ++i)
      if (A::extents[i] != B::extents[i] && A::extents[i] != dyn && B::extents[i] != dyn) return false;
    return true;
  }
}();

}  // namespace tshape
