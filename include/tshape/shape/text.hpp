// Text without the heap: a fixed-capacity string that works at compile time, and the text forms of
// shapes as Keras prints them, e.g. `(None, 20, 20, 1)`. Used by error messages, names and summaries.
#pragma once
#include <array>
#include <cstddef>
#include <string_view>

#include "shape.hpp"

namespace tshape {

/// A string of at most Capacity characters, usable in constant expressions and without a heap.
template <std::size_t Capacity>
struct static_text {
  char chars[Capacity + 1]{};
  std::size_t length = 0;

  constexpr static_text() = default;
  constexpr static_text(std::string_view text) { append(text); }  // NOLINT: implicit by design

  constexpr static_text& append(std::string_view s) {
    for (char c : s)
      if (length < Capacity) chars[length++] = c;
    chars[length] = '\0';
    return *this;
  }
  constexpr static_text& append(unsigned long long u) {
    char digits[24]{};
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u != 0);
    while (n > 0) append(std::string_view(&digits[--n], 1));
    return *this;
  }
  constexpr static_text& append(long long v) {
    if (v < 0) append("-");
    return append(v < 0 ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v));
  }
  // Every integer type, so that size_t and ptrdiff_t need no cast on 32-bit targets either.
  constexpr static_text& append(int v) { return append(static_cast<long long>(v)); }
  constexpr static_text& append(long v) { return append(static_cast<long long>(v)); }
  constexpr static_text& append(unsigned v) { return append(static_cast<unsigned long long>(v)); }
  constexpr static_text& append(unsigned long v) { return append(static_cast<unsigned long long>(v)); }

  constexpr std::string_view view() const { return {chars, length}; }
  constexpr const char* c_str() const { return chars; }
  constexpr std::size_t size() const { return length; }
  constexpr bool operator==(std::string_view other) const { return view() == other; }
};

/// An extent as Keras prints it: `None` for a `dyn` extent.
template <std::size_t Cap>
constexpr void append_extent(static_text<Cap>& out, long long e) {
  if (e == dyn)
    out.append("None");
  else
    out.append(e);
}

/// `(d0, d1, ...)`, Python's tuple notation (a one-element tuple gets its trailing comma).
template <std::size_t Cap = 128, class Range>
constexpr static_text<Cap> extents_text(const Range& extents) {
  static_text<Cap> out("(");
  std::size_t n = 0;
  for (auto e : extents) {
    if (n++) out.append(", ");
    append_extent(out, static_cast<long long>(e));
  }
  if (n == 1) out.append(",");
  out.append(")");
  return out;
}

/// The text of S, e.g. `shape_text<Shape<dyn, 20>>()` is "(None, 20)".
template <class S>
constexpr static_text<128> shape_text() {
  return extents_text<128>(S::extents);
}

/// The text of S after a batch axis: `batch_shape_text<Shape<20>>()` is "(None, 20)".
template <class S, int Batch = dyn>
constexpr static_text<128> batch_shape_text() {
  return shape_text<prepend_t<Batch, S>>();
}

}  // namespace tshape
