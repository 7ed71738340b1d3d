// Shape functions on tensors: expand_dims, squeeze and reshape return views of the same elements
// (no copy); cast returns a new tensor. Each is checked at compile time where the extents are static,
// and at run time (once, with the same words) where they are `dyn`.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <tuple>
#include <type_traits>

#include "../diagnostics/error.hpp"
#include "../diagnostics/runtime.hpp"
#include "../diagnostics/shape_rules.hpp"
#include "tensor.hpp"

namespace tshape {

namespace detail {
// Re-labels a view's elements with shape R, whose `dyn` extents come from `full` (all of R's extents).
template <class R, class V>
auto relabel(const V& v, const std::array<int, R::rank>& full) {
  return TensorView<typename V::element_type, R>(v.data(), extents_store<R>::from_full(full).dyn_values);
}

template <class S, int Axis>
inline constexpr bool axis_in_range = Axis >= -S::rank && Axis < S::rank;
}  // namespace detail

/// A view with a new axis of extent 1 at Axis (numpy-style; -1 appends, 0 prepends).
template <int Axis, class X>
  requires is_tensor<std::remove_cvref_t<X>>::value
auto expand_dims(X&& x) {
  static_assert(no_error<detail::temporary_tensor_diagnosis<error::in_expand_dims, X>>, TSHAPE_MSG_VIEW_OF_TEMPORARY);
  using V = detail::view_of_t<X>;
  using S = typename V::shape;
  constexpr int rank = S::rank;
  using D = diagnosis_t<std::conditional_t<(Axis < -(rank + 1) || Axis > rank),
                                           mismatch<error::INVALID_AXIS, error::in_expand_dims, error::axis<Axis, 1>,
                                                    error::axis_out_of_range, error::got_tensor<S>>,
                                           void>>;
  static_assert(no_error<only<error::INVALID_AXIS, D>>, TSHAPE_MSG_INVALID_AXIS);
  if constexpr (std::is_void_v<D>) {
    constexpr int a = Axis < 0 ? Axis + rank + 1 : Axis;
    V v = detail::as_view(x);
    std::array<int, rank + 1> full{};
    for (int i = 0, j = 0; i <= rank; ++i) full[i] = i == a ? 1 : v.extent(j++);
    return detail::relabel<expand_dims_t<S, Axis>>(v, full);
  } else {
    return V{};
  }
}

/// A view without axis Axis, whose extent must be 1.
template <int Axis, class X>
  requires is_tensor<std::remove_cvref_t<X>>::value
auto squeeze(X&& x) {
  static_assert(no_error<detail::temporary_tensor_diagnosis<error::in_squeeze, X>>, TSHAPE_MSG_VIEW_OF_TEMPORARY);
  using V = detail::view_of_t<X>;
  using S = typename V::shape;
  using D = diagnosis_t<std::conditional_t<
      !detail::axis_in_range<S, Axis>,
      mismatch<error::INVALID_AXIS, error::in_squeeze, error::axis<Axis, 1>, error::axis_out_of_range, error::got_tensor<S>>,
      std::conditional_t<detail::axis_in_range<S, Axis> && extent_v<S, (detail::axis_in_range<S, Axis> ? Axis : 0)> != 1 &&
                             extent_v<S, (detail::axis_in_range<S, Axis> ? Axis : 0)> != dyn,
                         mismatch<error::INVALID_AXIS, error::in_squeeze, error::axis<Axis, 1>,
                                  error::axis_extent_is_not_1, error::got_tensor<S>>,
                         void>>>;
  static_assert(no_error<only<error::INVALID_AXIS, D>>, TSHAPE_MSG_INVALID_AXIS);
  if constexpr (std::is_void_v<D>) {
    constexpr int a = Axis < 0 ? Axis + S::rank : Axis;
    V v = detail::as_view(x);
    if (v.extent(a) != 1) {
      static_text<96> d("squeeze<");
      d.append(Axis).append(">: the axis has extent ").append(v.extent(a)).append(", not 1");
      raise(make_error(errc::invalid_axis, d.view()));
    }
    std::array<int, S::rank - 1> full{};
    for (int i = 0, j = 0; i < S::rank; ++i)
      if (i != a) full[j++] = v.extent(i);
    return detail::relabel<squeeze_t<S, Axis>>(v, full);
  } else {
    return V{};
  }
}


namespace detail {
template <class Target>
struct target_of;
template <int... E>
struct target_of<Shape<E...>> {
  using type = error::target_shape<E...>;
};

template <class Target, class X>
using reshape_diagnosis =
    placed_t<error::in_reshape, void,
             reshape_rule_t<typename view_of_t<X>::shape, Target, error::got_tensor<typename view_of_t<X>::shape>,
                            typename target_of<Target>::type>>;

// The view once the rule passed at compile time: dyn extents are checked here, at run time.
template <class Target, class X>
auto reshape_view(X& x) {
  using V = view_of_t<X>;
  using S = typename V::shape;
  using R = reshape_rule_t<S, Target, void>;
  V v = as_view(x);
  if constexpr (R::is_static && S::is_static) {
    return relabel<R>(v, R::extents);
  } else {
    const auto got = v.extents();
    const auto rv = check_reshape(got, Target::extents);
    if (rv.code != errc::ok) {
      static_text<200> d("got ");
      d.append(extents_text(got).view()).append(" (").append(rv.count).append(" elements), target ");
      d.append(extents_text(Target::extents).view());
      raise(make_error(rv.code, d.view()));
    }
    auto full = Target::extents;
    if (rv.inferred_axis >= 0) full[rv.inferred_axis] = static_cast<int>(rv.inferred);
    return relabel<R>(v, full);
  }
}
}  // namespace detail

/// A view of the same elements with shape Target (row-major); one extent may be -1 (inferred).
template <class Target, class X>
  requires is_shape_v<Target> && is_tensor<std::remove_cvref_t<X>>::value
auto reshape(X&& x) {
  static_assert(no_error<detail::temporary_tensor_diagnosis<error::in_reshape, X>>, TSHAPE_MSG_VIEW_OF_TEMPORARY);
  using D = detail::reshape_diagnosis<Target, X>;
  static_assert(no_error<only<error::ELEMENT_COUNT_MISMATCH, D>>, TSHAPE_MSG_ELEMENT_COUNT_MISMATCH);
  static_assert(no_error<only<error::INVALID_OPTION, D>>, TSHAPE_MSG_INVALID_OPTION);
  if constexpr (std::is_void_v<D>)
    return detail::reshape_view<Target>(x);
  else
    return TensorView<typename detail::view_of_t<X>::element_type, Target>{};
}

/// reshape<-1, 128>(x) is reshape<Shape<-1, 128>>(x). (It reports its own errors, so that they
/// name this call and no other.)
template <int... E, class X>
  requires is_tensor<std::remove_cvref_t<X>>::value
auto reshape(X&& x) {
  static_assert(no_error<detail::temporary_tensor_diagnosis<error::in_reshape, X>>, TSHAPE_MSG_VIEW_OF_TEMPORARY);
  using D = detail::reshape_diagnosis<Shape<E...>, X>;
  static_assert(no_error<only<error::ELEMENT_COUNT_MISMATCH, D>>, TSHAPE_MSG_ELEMENT_COUNT_MISMATCH);
  static_assert(no_error<only<error::INVALID_OPTION, D>>, TSHAPE_MSG_INVALID_OPTION);
  if constexpr (std::is_void_v<D>)
    return detail::reshape_view<Shape<E...>>(x);
  else
    return TensorView<typename detail::view_of_t<X>::element_type, Shape<E...>>{};
}

namespace detail {
/// Whether floating-point v truncates to a value integer type U holds (false for NaN): converting
/// one that does not is undefined behaviour in C++, so cast checks it.
template <class U, class E>
constexpr bool truncates_into(E v) {
  const E hi = std::ldexp(E(1), std::numeric_limits<U>::digits);  // 2^31 for int, 2^32 for unsigned
  return std::is_signed_v<U> ? (v >= -hi && v < hi) : (v > E(-1) && v < hi);
}
}  // namespace detail

/// A new tensor with each element converted to U (e.g. int data for a float model). A floating-point
/// element that U cannot hold (NaN, infinity, out of range) is an error rather than undefined.
template <class U, class X>
  requires is_tensor<std::remove_cvref_t<X>>::value && std::is_arithmetic_v<U>
auto cast(const X& x) {
  auto v = detail::as_view(x);
  using S = typename decltype(v)::shape;
  auto out = [&] {
    if constexpr (S::is_static)
      return Tensor<U, S>();
    else
      return std::apply([](auto... e) { return Tensor<U, S>(e...); }, v.dyn_extents());
  }();
  using E = std::remove_cv_t<typename decltype(v)::element_type>;
  if constexpr (std::is_integral_v<U> && std::is_floating_point_v<E>) {
    long long i = 0;
    for (const E e : v) {
      if (!detail::truncates_into<U>(e)) {
        static_text<128> d("cast: element ");
        d.append(i).append(" (in row-major order) is NaN, infinite or out of the target type's range");
        raise(make_error(errc::bad_data, d.view()));
      }
      ++i;
    }
  }
  std::transform(v.begin(), v.end(), out.begin(), [](auto e) { return static_cast<U>(e); });
  return out;
}

}  // namespace tshape
