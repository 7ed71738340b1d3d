// The run-time side of the diagnostics: data whose extents arrive at run time (files, user buffers,
// `dyn` axes) is checked once at the boundary with the same words as the compile-time rule.
//
// With exceptions, a failed check throws tshape::shape_error (an std::invalid_argument).
// Under TSHAPE_NO_EXCEPTIONS it calls the handler installed with set_error_handler and then aborts
// (under TSHAPE_NO_HEAP it traps instead: newlib's abort() links malloc); code that must go on uses
// the try_ forms, which return a result<T> carrying the error instead. Nothing here needs RTTI.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <utility>

#include "../config.hpp"
#include "../shape/text.hpp"
#include "error.hpp"

#ifndef TSHAPE_NO_EXCEPTIONS
#include <stdexcept>
#include <string>
#endif

namespace tshape {

/// An error found at run time: its kind and its full text (kind's words, then the details).
struct error_info {
  static constexpr std::size_t capacity = 384;
  errc code = errc::ok;
  static_text<capacity> text{};

  constexpr explicit operator bool() const noexcept { return code != errc::ok; }
  constexpr std::string_view what() const noexcept { return text.view(); }
};

/// Builds an error_info: the kind's words, then ": " and the details. Details too long to fit lose
/// their middle, marked " ... ": a long path comes first, and what went wrong at the end.
inline error_info make_error(errc code, std::string_view details = {}) {
  error_info e{code, static_text<error_info::capacity>(message(code))};
  if (details.empty()) return e;
  e.text.append(": ");
  const std::size_t room = error_info::capacity - e.text.size();
  if (details.size() <= room) {
    e.text.append(details);
  } else {
    constexpr std::string_view cut = " ... ";
    const std::size_t head = (room - cut.size()) / 3, tail = room - cut.size() - head;
    // Views built from pointers: substr may throw, which links the heap into firmware.
    e.text.append({details.data(), head}).append(cut).append({details.data() + details.size() - tail, tail});
  }
  return e;
}

#ifndef TSHAPE_NO_EXCEPTIONS
/// Thrown when run-time data breaks a shape rule; what() has the same words as the compile error.
class shape_error : public std::invalid_argument {
 public:
  explicit shape_error(const error_info& e) : std::invalid_argument(std::string(e.what())), code_(e.code) {}
  errc code() const noexcept { return code_; }

 private:
  errc code_;
};
#endif

/// Called with every run-time error under TSHAPE_NO_EXCEPTIONS; it should not return (if it
/// does, the program aborts). With exceptions it is unused: the error is thrown.
using error_handler = void (*)(const error_info&);

namespace detail {
inline error_handler& installed_handler() noexcept {
  static error_handler handler = nullptr;
  return handler;
}
}  // namespace detail

/// Installs the handler for run-time errors; returns the previous one.
inline error_handler set_error_handler(error_handler h) noexcept {
  return std::exchange(detail::installed_handler(), h);
}

/// Reports a run-time error: throws shape_error, or calls the handler and aborts.
[[noreturn]] inline void raise(const error_info& e) {
#ifndef TSHAPE_NO_EXCEPTIONS
  throw shape_error(e);
#else
  if (auto h = detail::installed_handler()) h(e);
#if defined(TSHAPE_NO_HEAP) && (defined(__GNUC__) || defined(__clang__))
  __builtin_trap();
#else
  std::abort();
#endif
#endif
}

/// The first id of ids[0 .. n) outside [0, limit) as an error (none when all are inside): the check of
/// an Embedding's ids where they enter a model.
inline error_info token_id_error(const std::int32_t* ids, std::ptrdiff_t n, int limit) {
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    if (static_cast<std::uint32_t>(ids[i]) < static_cast<std::uint32_t>(limit)) continue;
    static_text<128> d("id ");
    d.append(static_cast<long long>(ids[i])).append(" at element ").append(static_cast<long long>(i));
    d.append("; input_dim is ").append(static_cast<long long>(limit));
    return make_error(errc::token_id_out_of_range, d.view());
  }
  return {};
}

/// A value or the error that prevented it: what the try_ functions return.
template <class T>
class result {
 public:
  result(T value) : value_(std::move(value)) {}               // NOLINT: implicit by design
  result(const error_info& error) : error_(error) {}          // NOLINT: implicit by design

  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  const error_info& error() const noexcept { return error_; }
  /// The value; reports the error (raise) when there is none.
  T& value() & {
    if (!ok()) raise(error_);
    return *value_;
  }
  const T& value() const& {
    if (!ok()) raise(error_);
    return *value_;
  }
  T&& value() && {
    if (!ok()) raise(error_);
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
  error_info error_{};
};

/// The outcome of an action that returns nothing: ok, or the error that stopped it.
template <>
class result<void> {
 public:
  result() = default;
  result(const error_info& error) : error_(error) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return ok(); }
  const error_info& error() const noexcept { return error_; }
  /// Reports the error (raise), if there is one.
  void value() const {
    if (!ok()) raise(error_);
  }

 private:
  error_info error_{};
};

}  // namespace tshape
