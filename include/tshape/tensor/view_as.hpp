// The checked bridge from run-time data to static types.
//
//   auto x = view_as<Shape<dyn, 28, 28, 1>>(ptr, {n, 28, 28, 1});   // data read from a file
//   auto b = view_as<Shape<dyn, 20>>(std::span(buffer), {n, 20});   // ... and the buffer's length too
//   auto y = view_as<Shape<32, 20>>(dyn_view);                      // dyn -> static, checked
//
// Extents are checked once, here; a mismatch raises (diagnostics/runtime.hpp) with the rule's words
// and, where one is certain, the fix ("add a channel axis with expand_dims<-1>"). try_view_as returns
// a result<> instead, for code built without exceptions that must go on.
#pragma once
#include <array>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <span>
#include <type_traits>

#include "../diagnostics/error.hpp"
#include "../diagnostics/runtime.hpp"
#include "../diagnostics/shape_rules.hpp"
#include "tensor.hpp"

namespace tshape {

namespace detail {
// `capacity` is the buffer's length in elements when the caller gave it (a span), else -1.
template <class S, class T, class Dims>
result<TensorView<T, S>> checked_view(T* data, const Dims& dims, long long capacity = -1) {
  std::array<int, 16> got{};
  std::size_t rank = 0;
  for (auto d : dims) {
    if (rank == got.size()) return make_error(errc::wrong_rank, "the data has more than 16 axes");
    if (d < 0 || static_cast<unsigned long long>(d) > static_cast<unsigned long long>(std::numeric_limits<int>::max()))
      return make_error(errc::bad_data, "an extent of the data is negative or too large");
    got[rank++] = static_cast<int>(d);
  }
  const std::span<const int> got_span(got.data(), rank);
  const auto v = check_extents(got_span, S::extents);
  if (v.code != errc::ok) return data_extents_error(v, got_span, S::extents);
  long long n = 1;  // the element count, which must fit an index
  for (int e : got_span) {
    if (e != 0 && n > std::numeric_limits<std::ptrdiff_t>::max() / static_cast<long long>(sizeof(T)) / e)
      return make_error(errc::bad_data, "the extents hold more elements than memory can");
    n *= e;
  }
  if (capacity >= 0 && n != capacity) {
    static_text<160> d("the buffer holds ");
    d.append(capacity).append(" elements; extents ").append(extents_text(got_span).view()).append(" need ").append(n);
    return make_error(errc::bad_data, d.view());
  }
  if (data == nullptr && n > 0) return make_error(errc::bad_data, "a null pointer for non-empty data");
  return TensorView<T, S>(data, extents_store<S>::from_full(got).dyn_values);
}
}  // namespace detail

/// A view of shape S over `data` whose extents are `dims` (any range of integers), checked.
template <class S, class T, class Dims>
  requires requires(const Dims& d) { std::begin(d); }
result<TensorView<T, S>> try_view_as(T* data, const Dims& dims) {
  return detail::checked_view<S>(data, dims);
}
template <class S, class T>
result<TensorView<T, S>> try_view_as(T* data, std::initializer_list<long long> dims) {
  return detail::checked_view<S>(data, dims);
}

/// The same over a buffer whose length is known: the extents must also account for every element.
template <class S, class T, std::size_t N, class Dims>
  requires requires(const Dims& d) { std::begin(d); }
result<TensorView<T, S>> try_view_as(std::span<T, N> data, const Dims& dims) {
  return detail::checked_view<S>(data.data(), dims, static_cast<long long>(data.size()));
}
template <class S, class T, std::size_t N>
result<TensorView<T, S>> try_view_as(std::span<T, N> data, std::initializer_list<long long> dims) {
  return detail::checked_view<S>(data.data(), dims, static_cast<long long>(data.size()));
}

/// As try_view_as, but a mismatch raises (throws tshape::shape_error, or calls the error handler).
template <class S, class T, class Dims>
  requires requires(const Dims& d) { std::begin(d); }
TensorView<T, S> view_as(T* data, const Dims& dims) {
  return detail::checked_view<S>(data, dims).value();
}
template <class S, class T>
TensorView<T, S> view_as(T* data, std::initializer_list<long long> dims) {
  return detail::checked_view<S>(data, dims).value();
}
template <class S, class T, std::size_t N, class Dims>
  requires requires(const Dims& d) { std::begin(d); }
TensorView<T, S> view_as(std::span<T, N> data, const Dims& dims) {
  return try_view_as<S>(data, dims).value();
}
template <class S, class T, std::size_t N>
TensorView<T, S> view_as(std::span<T, N> data, std::initializer_list<long long> dims) {
  return try_view_as<S>(data, dims).value();
}

namespace detail {
template <class S, class S2>
constexpr auto view_as_rule() {
  if constexpr (S::rank != S2::rank)
    return std::type_identity<error::WRONG_RANK<error::in_view_as, error::expected_rank<S::rank>, error::got_tensor<S2>>>{};
  else if constexpr (!compatible_v<S, S2>)
    return std::type_identity<error::SHAPE_MISMATCH<error::in_view_as, error::expected<drop_front_t<S>, S::extents[0]>,
                                                    error::got_tensor<S2>>>{};
  else
    return std::type_identity<void>{};
}
}  // namespace detail

/// A tensor or view seen as shape S: `dyn` extents become static after a run-time check. A rank
/// difference or two different static extents are compile errors.
template <class S, class X>
  requires is_tensor<std::remove_cvref_t<X>>::value
auto view_as(X&& x) {
  static_assert(no_error<detail::temporary_tensor_diagnosis<error::in_view_as, X>>, TSHAPE_MSG_VIEW_OF_TEMPORARY);
  using V = detail::view_of_t<X>;
  using D = typename decltype(detail::view_as_rule<S, typename V::shape>())::type;
  static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
  static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
  if constexpr (std::is_void_v<D>) {
    const V v = detail::as_view(x);
    return view_as<S>(v.data(), v.extents());
  } else {
    return TensorView<typename V::element_type, S>{};
  }
}

}  // namespace tshape
