// NumPy's .npy files: read and written, validated once at the boundary.
//
//   auto x = load_npy<float, Shape<dyn, 28, 28, 1>>("x_train.npy");   // checked: dtype and extents
//   save_npy("y.npy", y);
//
// A file that is not what it claims (bad magic, truncated data, an unsupported header) or that does
// not fit the requested type gives a shape_error (or result<> error) with the same words as the
// compile-time rules, e.g. "got (60000, 28, 28), expected (None, 28, 28, 1): add a channel axis with
// expand_dims<-1>", never undefined behaviour.
#pragma once
#include "../config.hpp"
#ifdef TSHAPE_NO_HEAP
#error "tshape/io needs the heap (files, std::vector); it is not available with TSHAPE_NO_HEAP"
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "../diagnostics/runtime.hpp"
#include "../diagnostics/shape_rules.hpp"
#include "../tensor/tensor.hpp"

namespace tshape {

/// An array as a .npy file holds it: NumPy's dtype string ("<f4"), its extents, its raw bytes.
struct npy_array {
  std::string dtype;
  std::vector<long long> shape;
  std::vector<std::byte> data;

  long long size() const {
    long long n = 1;
    for (long long e : shape) n *= e;
    return n;
  }
};

namespace detail {

/// NumPy's name of T's dtype, byte order included ("<f4" for float on a little-endian machine).
template <class T>
constexpr std::string_view npy_dtype() {
  static_assert(std::endian::native == std::endian::little, "tshape: .npy support assumes a little-endian machine");
  if constexpr (std::is_same_v<T, float>) return "<f4";
  else if constexpr (std::is_same_v<T, double>) return "<f8";
  else if constexpr (std::is_same_v<T, bool>) return "|b1";
  else if constexpr (std::is_same_v<T, std::int8_t>) return "|i1";
  else if constexpr (std::is_same_v<T, std::uint8_t>) return "|u1";
  else if constexpr (std::is_same_v<T, std::int16_t>) return "<i2";
  else if constexpr (std::is_same_v<T, std::uint16_t>) return "<u2";
  else if constexpr (std::is_same_v<T, std::int32_t>) return "<i4";
  else if constexpr (std::is_same_v<T, std::uint32_t>) return "<u4";
  else if constexpr (std::is_same_v<T, std::int64_t> || (std::is_same_v<T, long long> && sizeof(long long) == 8)) return "<i8";
  else if constexpr (std::is_same_v<T, std::uint64_t>) return "<u8";
  else static_assert(sizeof(T) == 0, "tshape: no NumPy dtype for this element type");
}

/// The C++ type a user would name for a NumPy dtype, for error messages.
inline std::string_view npy_cpp_name(std::string_view dtype) {
  if (dtype.size() == 3) dtype.remove_prefix(1);
  if (dtype == "f2") return "float16";
  if (dtype == "f4") return "float";
  if (dtype == "f8") return "double";
  if (dtype == "b1") return "bool";
  if (dtype == "i1") return "std::int8_t";
  if (dtype == "u1") return "std::uint8_t";
  if (dtype == "i2") return "std::int16_t";
  if (dtype == "u2") return "std::uint16_t";
  if (dtype == "i4") return "std::int32_t";
  if (dtype == "u4") return "std::uint32_t";
  if (dtype == "i8") return "std::int64_t";
  if (dtype == "u8") return "std::uint64_t";
  return "an unsupported type";
}

inline int npy_item_size(std::string_view dtype) {
  if (dtype.size() != 3 || (dtype[0] != '<' && dtype[0] != '|' && dtype[0] != '>' && dtype[0] != '=')) return 0;
  if (dtype[1] != 'f' && dtype[1] != 'i' && dtype[1] != 'u' && dtype[1] != 'b') return 0;
  const int n = dtype[2] - '0';
  return (n == 1 || n == 2 || n == 4 || n == 8) ? n : 0;
}

inline error_info npy_error(std::string_view what, std::string_view why, errc code = errc::bad_data) {
  std::string d(what);
  d.append(": ").append(why);
  return make_error(code, d);
}
/// A valid file in a form tshape does not read (big-endian, Fortran order, strings, ...).
inline error_info npy_unsupported(std::string_view what, std::string_view why) {
  return npy_error(what, why, errc::unsupported_data);
}

// The value after 'key': in NumPy's header dict, as text.
inline std::string_view npy_field(std::string_view header, std::string_view key) {
  std::string quoted(1, '\'');  // built by appends: g++ 12 -O3 warns (-Wrestrict) on "'" + string
  quoted.append(key).push_back('\'');
  auto at = header.find(quoted);
  if (at == std::string_view::npos) return {};
  at = header.find(':', at + quoted.size());
  if (at == std::string_view::npos) return {};
  std::string_view rest = header.substr(at + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  std::size_t end = 0;
  if (!rest.empty() && (rest.front() == '\'' || rest.front() == '"')) {
    end = rest.find(rest.front(), 1);
    return end == std::string_view::npos ? std::string_view{} : rest.substr(1, end - 1);
  }
  if (!rest.empty() && rest.front() == '(') {
    end = rest.find(')');
    return end == std::string_view::npos ? std::string_view{} : rest.substr(0, end + 1);
  }
  end = rest.find_first_of(",}");
  return rest.substr(0, end);
}

/// Parses a .npy file's bytes; `what` names the file in errors.
inline result<npy_array> parse_npy(std::span<const std::byte> bytes, std::string_view what) {
  auto u8 = [&](std::size_t i) { return static_cast<unsigned>(bytes[i]); };
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    return npy_error(what, "not a .npy file (no \\x93NUMPY magic)");
  const unsigned major = u8(6);
  std::size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = u8(8) | (u8(9) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return npy_error(what, "truncated header");
    header_len = u8(8) | (u8(9) << 8) | (u8(10) << 16) | (static_cast<std::size_t>(u8(11)) << 24);
    start = 12;
  } else {
    return npy_unsupported(what, "a .npy format version other than 1, 2 and 3");
  }
  if (bytes.size() < start + header_len) return npy_error(what, "truncated header");
  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + start), header_len);

  npy_array a;
  a.dtype = std::string(npy_field(header, "descr"));
  const int item = npy_item_size(a.dtype);
  if (item == 0)
    return npy_unsupported(what, "the dtype '" + a.dtype + "' (numbers only: f2, f4, f8, i1..i8, u1..u8, b1)");
  if (a.dtype[0] == '>' && item > 1)
    return npy_unsupported(what, "big-endian data; save it with numpy as little-endian ('<') data");
  // One spelling per dtype, as npy_dtype<T>() names it: '|' for single bytes, '<' (this machine's) else.
  a.dtype[0] = item == 1 ? '|' : '<';
  const std::string_view order = npy_field(header, "fortran_order");
  if (order != "False")
    return npy_unsupported(what, "Fortran (column-major) order; save numpy.ascontiguousarray(x) instead");
  std::string_view shape = npy_field(header, "shape");
  if (shape.size() < 2 || shape.front() != '(') return npy_error(what, "no shape in the header");
  shape = shape.substr(1, shape.size() - 2);
  while (!shape.empty()) {
    while (!shape.empty() && (shape.front() == ' ' || shape.front() == ',')) shape.remove_prefix(1);
    if (shape.empty()) break;
    long long e = 0;
    std::size_t i = 0;
    while (i < shape.size() && shape[i] >= '0' && shape[i] <= '9') {
      if (e > (std::numeric_limits<int>::max() - 9) / 10) return npy_error(what, "an extent is too large");
      e = e * 10 + (shape[i++] - '0');
    }
    if (i == 0) return npy_error(what, "a malformed shape in the header");
    a.shape.push_back(e);
    shape.remove_prefix(i);
  }
  const std::size_t data_start = start + header_len;
  long long n = 1;
  for (long long e : a.shape) {
    if (e != 0 && n > std::numeric_limits<long long>::max() / 16 / e) return npy_error(what, "the array is too large");
    n *= e;
  }
  const auto need = static_cast<std::size_t>(n) * static_cast<std::size_t>(item);
  if (bytes.size() - data_start < need) {
    std::string d = "truncated data: the header promises " + std::to_string(need) + " bytes, the file has " +
                    std::to_string(bytes.size() - data_start);
    return npy_error(what, d);
  }
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_start),
                bytes.begin() + static_cast<std::ptrdiff_t>(data_start + need));
  return a;
}

/// Writes `bytes` as the whole file at `path`. The check comes after closing: a small file sits in
/// the stream's buffer until then, and a full disk shows only when it is written out.
inline void write_file(const std::string& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) raise(make_error(errc::file_error, path + ": cannot write it"));
}

/// A file's bytes. A file that does not begin with `magic` is read no further than its first
/// chunk, which is enough for the parser to say what it is: a device such as /dev/zero never ends.
inline result<std::vector<std::byte>> read_file(const std::string& path, std::string_view magic = {}) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::file_error, path + ": cannot open it");
  // Read to the end rather than trust a size from seeking: a directory claims 2^63 bytes on some
  // file systems (the buffer for it was the allocation that failed), a pipe or /proc file none.
  constexpr std::size_t chunk = std::size_t{1} << 20;
  std::vector<std::byte> bytes;
  std::size_t used = 0;
  while (in) {
    bytes.resize(used + chunk);  // grows geometrically: a few copies of the file in all
    in.read(reinterpret_cast<char*>(bytes.data() + used), static_cast<std::streamsize>(chunk));
    used += static_cast<std::size_t>(in.gcount());
    if (!magic.empty() && used >= magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) != 0) {
      bytes.resize(used);
      return bytes;
    }
  }
  if (in.bad() || !in.eof()) return make_error(errc::file_error, path + ": cannot read it");
  bytes.resize(used);
  return bytes;
}

/// The .npy encoding (format 1.0) of an array of `dtype` with `shape` and raw `data`.
inline std::vector<std::byte> encode_npy(std::string_view dtype, std::span<const long long> shape,
                                         std::span<const std::byte> data) {
  std::string header = "{'descr': '" + std::string(dtype) + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) header += std::to_string(shape[i]) + (shape.size() == 1 ? "," : i + 1 < shape.size() ? ", " : "");
  header += "), }";
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::vector<std::byte> out(10);
  std::memcpy(out.data(), "\x93NUMPY\x01\x00", 8);
  out[8] = static_cast<std::byte>(header.size() & 0xFF);
  out[9] = static_cast<std::byte>(header.size() >> 8);
  for (char c : header) out.push_back(static_cast<std::byte>(c));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

/// "got (3, 3, 1, 16), expected (3, 3, 3, 16)": a weight's misfit, where no data fix applies.
inline std::string extents_words(std::span<const int> got, std::span<const int> expected) {
  return "got " + std::string(extents_text(got).view()) + ", expected " + std::string(extents_text(expected).view());
}

/// Checks a parsed array against element type T and shape S; returns the extents as ints.
template <class T, class S>
result<std::array<int, S::rank>> check_npy(const npy_array& a, std::string_view what) {
  if (a.dtype != npy_dtype<T>()) {
    std::string d = std::string(what) + ": the file holds " + std::string(npy_cpp_name(a.dtype)) + " ('" + a.dtype +
                    "') data, not " + std::string(npy_cpp_name(npy_dtype<T>()));
    if (a.dtype == "<f2")  // no C++ type of its own
      d += ": save it from numpy as float32 (x.astype('float32'))";
    else
      d += ": load it as it is and convert with cast<" + std::string(npy_cpp_name(npy_dtype<T>())) + ">(x)";
    return make_error(errc::data_dtype_mismatch, d);
  }
  std::vector<int> got;
  for (long long e : a.shape) got.push_back(static_cast<int>(e));
  const auto v = check_extents(got, S::extents);
  if (v.code != errc::ok) return data_extents_error(v, got, S::extents, what);
  std::array<int, S::rank> full{};
  std::copy(got.begin(), got.end(), full.begin());
  return full;
}
}  // namespace detail

/// Reads a .npy file as it is (any supported dtype and shape).
inline result<npy_array> try_read_npy(const std::string& path) {
  auto bytes = detail::read_file(path, "\x93NUMPY");
  if (!bytes) return bytes.error();
  return detail::parse_npy(bytes.value(), path);
}

namespace detail {
/// A parsed array as a Tensor of element type T and shape S (dyn extents take the array's); the
/// dtype and every static extent are checked.
template <class T, class S>
result<Tensor<T, S>> tensor_from_npy(const npy_array& a, std::string_view what) {
  auto full = check_npy<T, S>(a, what);
  if (!full) return full.error();
  if constexpr (std::is_same_v<T, bool>) {
    // Any byte but 0 and 1 in a bool is undefined behaviour when read.
    if (std::any_of(a.data.begin(), a.data.end(), [](std::byte b) { return static_cast<unsigned>(b) > 1; }))
      return npy_error(what, "a bool array holds a byte other than 0 and 1");
  }
  Tensor<T, S> t = [&] {
    if constexpr (S::is_static)
      return Tensor<T, S>();
    else
      return std::apply([](auto... e) { return Tensor<T, S>(e...); },
                        detail::extents_store<S>::from_full(full.value()).dyn_values);
  }();
  if (!a.data.empty()) std::memcpy(t.data(), a.data.data(), a.data.size());
  return t;
}
}  // namespace detail

/// Reads a .npy file into a Tensor of element type T and shape S (dyn extents take the file's);
/// the dtype and every static extent are checked.
template <class T, class S>
result<Tensor<T, S>> try_load_npy(const std::string& path) {
  auto a = try_read_npy(path);
  if (!a) return a.error();
  return detail::tensor_from_npy<T, S>(a.value(), path);
}

/// As try_load_npy, but an error raises (throws shape_error, or calls the error handler).
template <class T, class S>
Tensor<T, S> load_npy(const std::string& path) {
  return try_load_npy<T, S>(path).value();
}

/// Writes a tensor or view as a .npy file (format 1.0, C order).
template <class X>
  requires is_tensor<X>::value
void save_npy(const std::string& path, const X& x) {
  using T = typename X::value_type;
  const auto v = detail::as_view(x);
  std::vector<long long> shape;
  for (int e : v.extents()) shape.push_back(e);
  const auto bytes = detail::encode_npy(
      detail::npy_dtype<T>(), shape,
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(v.data()), static_cast<std::size_t>(v.size()) * sizeof(T)));
  detail::write_file(path, bytes);
}

}  // namespace tshape
