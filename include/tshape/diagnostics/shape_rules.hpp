// Shape rules shared by the compile-time and run-time worlds.
//
// Each rule is a constexpr function over extents. At compile time it runs on a Shape's extents and
// its verdict becomes a diagnosis type; at run time it runs on the data's extents and its verdict
// becomes an error_info with the same words. A `dyn` extent on the data's side is unknown at compile
// time, so the rule passes it and the run-time check decides.
#pragma once
#include <array>
#include <span>
#include <string_view>

#include "../shape/text.hpp"
#include "error.hpp"
#include "runtime.hpp"

namespace tshape {

/// A fix the rules can be sure of, from the extents alone.
enum class fix_kind { none, expand_dims, squeeze, reshape };

struct extents_verdict {
  errc code = errc::ok;
  int axis = -1;  // the first axis that differs (same rank), or -1
  fix_kind fix = fix_kind::none;
  int fix_axis = 0;
};

namespace detail {
constexpr bool extent_fits(int got, int expected) { return expected == dyn || got == dyn || got == expected; }

constexpr bool all_fit(std::span<const int> got, std::span<const int> expected) {
  if (got.size() != expected.size()) return false;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!extent_fits(got[i], expected[i])) return false;
  return true;
}

// A span without one axis.
template <std::size_t N>
constexpr std::span<const int> without(std::span<const int> s, std::size_t axis, std::array<int, N>& buf) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < s.size() && k < N; ++i)
    if (i != axis) buf[k++] = s[i];
  return {buf.data(), k};
}
}  // namespace detail

/// Rule: data of extents `got` fed where `expected` is declared (`dyn` in expected takes anything).
/// On a rank difference of one it names the axis to add or remove when that alone would fit.
constexpr extents_verdict check_extents(std::span<const int> got, std::span<const int> expected) {
  extents_verdict v;
  if (got.size() == expected.size()) {
    for (std::size_t i = 0; i < got.size(); ++i)
      if (!detail::extent_fits(got[i], expected[i])) {
        v.code = errc::shape_mismatch;
        v.axis = static_cast<int>(i);
        break;
      }
    return v;
  }
  v.code = errc::wrong_rank;
  std::array<int, 16> buf{};
  if (got.size() + 1 == expected.size() && expected.size() <= buf.size()) {
    // Adding an axis of extent 1 where `expected` has one: prefer the last (a channel axis), then the first.
    const int n = static_cast<int>(expected.size());
    for (int axis : {n - 1, 0})
      if ((expected[axis] == 1 || expected[axis] == dyn) && detail::all_fit(got, detail::without(expected, axis, buf))) {
        v.fix = fix_kind::expand_dims;
        v.fix_axis = axis == n - 1 ? -1 : 0;
        return v;
      }
  }
  if (got.size() == expected.size() + 1 && got.size() <= buf.size()) {
    const int n = static_cast<int>(got.size());
    for (int axis : {n - 1, 0})
      if (got[axis] == 1 && detail::all_fit(detail::without(got, axis, buf), expected)) {
        v.fix = fix_kind::squeeze;
        v.fix_axis = axis == n - 1 ? -1 : 0;
        return v;
      }
  }
  return v;
}

struct reshape_verdict {
  errc code = errc::ok;
  long long count = 0;     // elements of the input (-1 when it has a dyn extent)
  long long target = 0;    // product of the target's known extents
  int inferred_axis = -1;  // the target's -1, if any
  long long inferred = dyn;
  bool more_than_one_inferred = false;
};

/// Rule: reinterpret extents `from` as `to`, where `to` may hold one -1 to infer (numpy's reshape).
constexpr reshape_verdict check_reshape(std::span<const int> from, std::span<const int> to) {
  reshape_verdict v;
  v.count = 1;
  for (int e : from) v.count = (e == dyn || v.count == -1) ? -1 : v.count * e;
  v.target = 1;
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (to[i] == dyn) {
      if (v.inferred_axis >= 0) v.more_than_one_inferred = true;
      v.inferred_axis = static_cast<int>(i);
    } else {
      v.target *= to[i];
    }
  }
  if (v.more_than_one_inferred) {
    v.code = errc::invalid_option;
    return v;
  }
  if (v.count == -1) return v;  // decided at run time
  if (v.inferred_axis >= 0) {
    if (v.target == 0 ? v.count != 0 : v.count % v.target != 0)
      v.code = errc::element_count_mismatch;
    else
      v.inferred = v.target == 0 ? 0 : v.count / v.target;
  } else if (v.count != v.target) {
    v.code = errc::element_count_mismatch;
  }
  return v;
}

namespace detail {
// The shape a reshape of S to Target gives: Target with its -1 replaced when it can be inferred now.
template <class S, class Target>
constexpr auto reshape_result_array() {
  constexpr auto v = check_reshape(S::extents, Target::extents);
  auto out = Target::extents;
  if (v.code == errc::ok && v.inferred_axis >= 0) out[v.inferred_axis] = static_cast<int>(v.inferred);
  return out;
}

template <class S, class Target, class Got, class... Shown>
constexpr auto reshape_rule() {
  constexpr auto v = check_reshape(S::extents, Target::extents);
  if constexpr (v.more_than_one_inferred)
    return mismatch<error::INVALID_OPTION, Shown..., error::more_than_one_inferred_axis, Got>{};
  else if constexpr (v.code == errc::element_count_mismatch && v.inferred_axis >= 0)
    return mismatch<error::ELEMENT_COUNT_MISMATCH, Shown...,
                    error::element_count_not_divisible_by<static_cast<int>(v.target)>, Got,
                    error::with_element_count<v.count>>{};
  else if constexpr (v.code == errc::element_count_mismatch)
    return mismatch<error::ELEMENT_COUNT_MISMATCH, Shown..., error::expected_element_count<static_cast<int>(v.target)>,
                    Got, error::with_element_count<v.count>>{};
  else
    return shape_from_array_t<reshape_result_array<S, Target>()>{};
}
}  // namespace detail

/// Rule: the shape S reshaped to Target (one extent may be -1), or the mismatch that says why not.
/// Got is how the input is shown in the diagnosis (e.g. error::got<S> inside a model); Shown are
/// details put first (the tensor function names its target, a Reshape layer's name already does).
template <class S, class Target, class Got, class... Shown>
using reshape_rule_t = decltype(detail::reshape_rule<S, Target, Got, Shown...>());

/// The run-time error for a failed check_extents, e.g.
/// "...: got (60000, 28, 28), expected (None, 28, 28, 1): add a channel axis with expand_dims<-1>".
inline error_info extents_error(const extents_verdict& v, std::span<const int> got, std::span<const int> expected,
                                std::string_view where = {}) {
  static_text<320> d;
  if (!where.empty()) d.append(where).append(": ");
  d.append("got ").append(extents_text(got).view()).append(", expected ").append(extents_text(expected).view());
  if (v.fix == fix_kind::expand_dims)
    d.append(v.fix_axis == -1 ? ": add a channel axis with expand_dims<-1>" : ": add a batch axis with expand_dims<0>");
  else if (v.fix == fix_kind::squeeze)
    d.append(v.fix_axis == -1 ? ": remove the last axis with squeeze<-1>" : ": remove the first axis with squeeze<0>");
  return make_error(v.code, d.view());
}

/// The same for data read from a file or viewed in a buffer, before any model sees it: extents or a
/// rank that differ are the data's mismatch with its tensor type (the fix, when certain, stays).
inline error_info data_extents_error(extents_verdict v, std::span<const int> got, std::span<const int> expected,
                                     std::string_view where = {}) {
  if (v.code == errc::shape_mismatch || v.code == errc::wrong_rank) v.code = errc::data_shape_mismatch;
  return extents_error(v, got, expected, where);
}

}  // namespace tshape
