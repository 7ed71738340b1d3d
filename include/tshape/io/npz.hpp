// NumPy's .npz archives: a zip of .npy members, stored (numpy.savez) or deflated
// (numpy.savez_compressed). Members are read in archive order and checked against their CRC-32 (of
// the inflated bytes for a deflated member).
//
// Deflated members are read and written through zlib, which is optional: CMake finds it and defines
// TSHAPE_USE_ZLIB (without CMake: define it and link -lz). A build without it reads stored archives
// and says what to install when it meets a compressed one.
//
// The archive comes from outside, so nothing in it is trusted: every offset and size is checked
// against the file before it is used, a member's inflated size is bounded by what deflate can make
// of its compressed bytes (a zip bomb is refused before anything is allocated), and inflating stops
// at the size the archive declares.
#pragma once
#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#ifdef TSHAPE_USE_ZLIB
#include <zlib.h>
#endif

#include "npy.hpp"

namespace tshape {

struct npz_member {
  std::string name;  // without ".npy", e.g. "arr_0" or "dense/kernel:0"
  npy_array array;
};

/// How write_npz and save_weights store arrays: as numpy.savez does, or as numpy.savez_compressed.
enum class npz_compression { stored, deflated };

namespace detail {

constexpr std::array<std::uint32_t, 256> crc32_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}

/// The zip format's CRC-32 of `data` (zlib's, several bytes a step, when it is there).
inline std::uint32_t crc32(std::span<const std::byte> data) {
#ifdef TSHAPE_USE_ZLIB
  uLong c = ::crc32(0L, Z_NULL, 0);
  for (std::size_t at = 0; at < data.size();) {
    const auto n = static_cast<uInt>(std::min<std::size_t>(data.size() - at, 1u << 30));
    c = ::crc32(c, reinterpret_cast<const Bytef*>(data.data() + at), n);
    at += n;
  }
  return static_cast<std::uint32_t>(c);
#else
  static constexpr auto table = crc32_table();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::byte b : data) c = table[(c ^ static_cast<std::uint32_t>(b)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
#endif
}

// A fuzzer's mutations of a member would nearly all stop at its CRC; built for fuzzing (the
// convention libFuzzer and OSS-Fuzz use), the CRC is computed but a mismatch goes on to the parser.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
inline constexpr bool fuzzing_ignores_crc = true;
#else
inline constexpr bool fuzzing_ignores_crc = false;
#endif

/// The most bytes deflate can produce per compressed byte: a 258-byte match in two bits (the
/// format's limit is 1032:1), plus room for a small stream's block headers.
inline constexpr std::uint64_t deflate_max_ratio = 1032;
inline constexpr std::uint64_t deflate_slack = 1024;

inline constexpr std::string_view zlib_missing =
    "compressed archives (numpy.savez_compressed) need zlib: install zlib1g-dev (Debian) and rebuild "
    "(CMake finds it; without CMake, define TSHAPE_USE_ZLIB and link -lz), or save with numpy.savez";

/// A member's raw deflate stream inflated into exactly `size` bytes (the size the archive declares;
/// the caller has bounded it). A stream that is corrupt, ends early or makes more or fewer bytes is
/// an error naming `what`.
inline result<std::vector<std::byte>> inflate_member(std::span<const std::byte> in, std::size_t size,
                                                     const std::string& what) {
#ifdef TSHAPE_USE_ZLIB
  std::vector<std::byte> out(std::max<std::size_t>(size, 1));  // zlib refuses a null output even for 0 bytes
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return make_error(errc::bad_data, what + ": zlib cannot start inflating");
  const auto* in_end = reinterpret_cast<const Bytef*>(in.data() + in.size());
  auto* out_end = reinterpret_cast<Bytef*>(out.data() + size);
  z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data()));  // zlib only reads it
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  constexpr std::size_t step = 1u << 30;  // zlib counts in 32 bits
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (z.avail_in == 0) z.avail_in = static_cast<uInt>(std::min<std::size_t>(static_cast<std::size_t>(in_end - z.next_in), step));
    if (z.avail_out == 0) z.avail_out = static_cast<uInt>(std::min<std::size_t>(static_cast<std::size_t>(out_end - z.next_out), step));
    rc = inflate(&z, Z_NO_FLUSH);  // Z_OK only when it made progress: the loop ends
  }
  const bool full = z.next_out == out_end;
  const std::size_t made = static_cast<std::size_t>(z.next_out - reinterpret_cast<Bytef*>(out.data()));
  std::string zmsg = z.msg ? z.msg : "";
  inflateEnd(&z);
  if (rc == Z_STREAM_END && full) {
    out.resize(size);
    return out;
  }
  if (rc == Z_STREAM_END)
    return npy_error(what, "the compressed data inflates to " + std::to_string(made) + " bytes, the archive declares " +
                               std::to_string(size) + " (a damaged file)");
  if (rc == Z_BUF_ERROR && full)
    return npy_error(what, "the compressed data inflates to more than the " + std::to_string(size) +
                               " bytes the archive declares (a damaged file)");
  if (rc == Z_BUF_ERROR) return npy_error(what, "the compressed data ends early (a truncated file)");
  if (rc == Z_MEM_ERROR) return npy_error(what, "out of memory while inflating");
  return npy_error(what, "corrupt compressed data (" + (zmsg.empty() ? std::string("zlib error ") + std::to_string(rc) : zmsg) +
                             ")");
#else
  (void)in;
  (void)size;
  return make_error(errc::not_built_in, what + ": " + std::string(zlib_missing));
#endif
}

/// `data` as a raw deflate stream (what a zip's method 8 holds).
inline std::vector<std::byte> deflate_member(std::span<const std::byte> data, const std::string& what) {
#ifdef TSHAPE_USE_ZLIB
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    raise(make_error(errc::file_error, what + ": zlib cannot start compressing"));
  const uLong bound = deflateBound(&z, static_cast<uLong>(data.size()));
  if (data.size() > UINT_MAX || bound > UINT_MAX) {
    deflateEnd(&z);
    raise(make_error(errc::file_error, what + ": an array over 4 GiB needs zip64, which tshape does not write"));
  }
  std::vector<std::byte> out(bound);
  z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(data.data()));  // zlib only reads it
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) raise(make_error(errc::file_error, what + ": zlib could not compress it"));
  return out;
#else
  (void)data;
  raise(make_error(errc::not_built_in, what + ": " + std::string(zlib_missing)));
#endif
}

class zip_reader {
 public:
  zip_reader(std::span<const std::byte> bytes, std::string_view what) : b_(bytes), what_(what) {}

  result<std::vector<npz_member>> members() {
    // The end-of-central-directory record is within the last 64 KiB + 22 bytes.
    std::size_t eocd = b_.size();
    for (std::size_t i = b_.size() >= 22 ? b_.size() - 22 : 0; b_.size() >= 22; --i) {
      if (u32(i) == 0x06054b50) {
        eocd = i;
        break;
      }
      if (i == 0 || b_.size() - i > 65535 + 22) break;
    }
    if (eocd == b_.size()) {
      if (b_.size() >= 8 && std::memcmp(b_.data(), "\x89HDF\r\n\x1a\n", 8) == 0)
        return unsupported("an HDF5 file (Keras' .h5 or .weights.h5): " + std::string(keras_weights_hint));
      return fail("not a zip archive (no end of central directory)");
    }
    std::uint64_t count = u16(eocd + 10), dir = u32(eocd + 16);
    if (count == 0xFFFF || dir == 0xFFFFFFFF) {  // zip64: the real values are in the zip64 records
      if (eocd < 20 || u32(eocd - 20) != 0x07064b50) return fail("a zip64 archive without its locator");
      const std::uint64_t z = u64(eocd - 20 + 8);
      if (!fits(z, 56) || u32(z) != 0x06064b50) return fail("a broken zip64 record");
      count = u64(z + 32);
      dir = u64(z + 48);
    }
    std::vector<npz_member> out;
    std::uint64_t p = dir, stored_bytes = 0;
    for (std::uint64_t m = 0; m < count; ++m) {  // each entry takes 46 bytes or more: bounded by the file
      if (!fits(p, 46) || u32(p) != 0x02014b50) return fail("a broken central directory");
      const unsigned flags = u16(p + 8), method = u16(p + 10);
      const std::uint32_t crc = u32(p + 16);
      std::uint64_t csize = u32(p + 20), usize = u32(p + 24), local = u32(p + 42);
      const std::size_t name_len = u16(p + 28), extra_len = u16(p + 30), comment_len = u16(p + 32);
      if (!fits(p + 46, name_len + extra_len)) return fail("a broken central directory");
      std::string name(reinterpret_cast<const char*>(b_.data() + p + 46), name_len);
      // zip64 sizes and offset, in that order, for the fields that overflowed
      const std::uint64_t extra_end = p + 46 + name_len + extra_len;
      for (std::uint64_t e = p + 46 + name_len; e + 4 <= extra_end;) {
        const std::uint64_t id = u16(e), end = e + 4 + u16(e + 2);
        if (end > extra_end) return fail(name + ": a broken extra field in the central directory");
        std::uint64_t f = e + 4;
        if (id == 0x0001) {
          if (usize == 0xFFFFFFFF && f + 8 <= end) usize = u64(f), f += 8;
          if (csize == 0xFFFFFFFF && f + 8 <= end) csize = u64(f), f += 8;
          if (local == 0xFFFFFFFF && f + 8 <= end) local = u64(f), f += 8;
        }
        e = end;
      }
      p = extra_end + comment_len;
      // As numpy.load names members: ".npy" removed wherever it ends the name (".npy" alone is "").
      if (name.size() >= 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
      const std::string what = std::string(what_) + "/" + name;
      // A .keras file is a zip of config.json, metadata.json and model.weights.h5, not of arrays.
      if (name == "config.json" || name == "metadata.json" || name == "model.weights.h5")
        return unsupported("a Keras .keras archive (its " + name + "): " + std::string(keras_weights_hint));

      if (flags & 1)
        return unsupported(name + " is encrypted; tshape reads archives written by numpy.savez or savez_compressed");
      if (method != 0 && method != 8)
        return unsupported(name + " is compressed with zip method " + std::to_string(method) +
                           "; tshape reads stored and deflated members (numpy.savez, savez_compressed)");
      if (!fits(local, 30) || u32(local) != 0x04034b50) return fail(name + ": a broken local header");
      const std::uint64_t data = local + 30 + u16(local + 26) + u16(local + 28);
      if (!fits(data, csize)) return fail(name + ": truncated data");
      // Members that share bytes would let a small file expand many times over.
      stored_bytes += csize;
      if (stored_bytes > b_.size()) return fail("members overlap (a damaged file or a zip bomb)");
      const auto bytes = b_.subspan(static_cast<std::size_t>(data), static_cast<std::size_t>(csize));

      std::vector<std::byte> inflated;
      if (method == 8) {
        if (usize > csize * deflate_max_ratio + deflate_slack)
          return fail(name + ": " + std::to_string(csize) + " compressed bytes cannot inflate to the " + std::to_string(usize) +
                      " the archive declares (a damaged file or a zip bomb)");
        auto in = inflate_member(bytes, static_cast<std::size_t>(usize), what);
        if (!in) return in.error();
        inflated = std::move(in.value());
      } else if (csize != usize) {
        return fail(name + ": a stored member whose sizes disagree (a damaged file)");
      }
      const std::span<const std::byte> content = method == 8 ? std::span<const std::byte>(inflated) : bytes;
      if (crc32(content) != crc && !fuzzing_ignores_crc)
        return fail(name + ": the data does not match its CRC-32 (a damaged file)");
      auto a = parse_npy(content, what);
      if (!a) return a.error();
      out.push_back({std::move(name), std::move(a.value())});
    }
    return out;
  }

 private:
  // Whether the n bytes at `at` lie inside the archive (no sum that could wrap around).
  bool fits(std::uint64_t at, std::uint64_t n) const { return at <= b_.size() && n <= b_.size() - at; }
  unsigned u16(std::uint64_t i) const {
    return static_cast<unsigned>(b_[static_cast<std::size_t>(i)]) | (static_cast<unsigned>(b_[static_cast<std::size_t>(i) + 1]) << 8);
  }
  std::uint32_t u32(std::uint64_t i) const { return u16(i) | (static_cast<std::uint32_t>(u16(i + 2)) << 16); }
  std::uint64_t u64(std::uint64_t i) const { return u32(i) | (static_cast<std::uint64_t>(u32(i + 4)) << 32); }
  error_info fail(const std::string& why) const { return npy_error(what_, why); }
  error_info unsupported(const std::string& why) const { return npy_unsupported(what_, why); }
  static constexpr std::string_view keras_weights_hint =
      "save the weights for tshape with numpy.savez(path, *model.get_weights())";

  std::span<const std::byte> b_;
  std::string_view what_;
};

/// Every member of an .npz archive held in memory; `what` names it in errors.
inline result<std::vector<npz_member>> parse_npz(std::span<const std::byte> bytes, std::string_view what) {
  return zip_reader(bytes, what).members();
}

inline void put16(std::vector<std::byte>& o, unsigned v) {
  o.push_back(static_cast<std::byte>(v & 0xFF));
  o.push_back(static_cast<std::byte>((v >> 8) & 0xFF));
}
inline void put32(std::vector<std::byte>& o, std::uint32_t v) {
  put16(o, v & 0xFFFF);
  put16(o, v >> 16);
}
}  // namespace detail

/// Reads every member of an .npz archive, in archive order (numpy.savez keeps the order it was given).
inline result<std::vector<npz_member>> try_read_npz(const std::string& path) {
  auto bytes = detail::read_file(path, "PK");  // every zip archive, an empty one too
  if (!bytes) return bytes.error();
  return detail::parse_npz(bytes.value(), path);
}

namespace detail {
/// The zip archive of members (name without ".npy", .npy bytes) that numpy.load reads; `what`
/// names it in errors.
inline std::vector<std::byte> encode_npz(const std::vector<std::pair<std::string, std::vector<std::byte>>>& members,
                                         npz_compression how, const std::string& what) {
  std::vector<std::byte> out, dir;
  const unsigned method = how == npz_compression::deflated ? 8 : 0;
  for (const auto& [name, data] : members) {
    const std::string file = name + ".npy";
    if (data.size() > 0xFFFFFFFEu || out.size() > 0xFFFFFFFEu)
      raise(make_error(errc::file_error, what + ": an archive over 4 GiB needs zip64, which tshape does not write"));
    std::vector<std::byte> deflated;
    if (how == npz_compression::deflated) deflated = deflate_member(data, what + "/" + name);
    const std::vector<std::byte>& body = how == npz_compression::deflated ? deflated : data;
    const std::uint32_t crc = crc32(data), offset = static_cast<std::uint32_t>(out.size());
    const auto size = static_cast<std::uint32_t>(data.size()), packed = static_cast<std::uint32_t>(body.size());
    put32(out, 0x04034b50);
    put16(out, 20);  // version needed
    put16(out, 0);   // flags
    put16(out, method);
    put32(out, 0);   // time, date
    put32(out, crc);
    put32(out, packed);
    put32(out, size);
    put16(out, static_cast<unsigned>(file.size()));
    put16(out, 0);
    for (char c : file) out.push_back(static_cast<std::byte>(c));
    out.insert(out.end(), body.begin(), body.end());

    put32(dir, 0x02014b50);
    put16(dir, 20);  // made by
    put16(dir, 20);  // needed
    put16(dir, 0);
    put16(dir, method);
    put32(dir, 0);
    put32(dir, crc);
    put32(dir, packed);
    put32(dir, size);
    put16(dir, static_cast<unsigned>(file.size()));
    put16(dir, 0);   // extra
    put16(dir, 0);   // comment
    put16(dir, 0);   // disk
    put16(dir, 0);   // internal attributes
    put32(dir, 0);   // external attributes
    put32(dir, offset);
    for (char c : file) dir.push_back(static_cast<std::byte>(c));
  }
  if (out.size() > 0xFFFFFFFEu || members.size() >= 0xFFFF)
    raise(make_error(errc::file_error, what + ": an archive over 4 GiB or 65535 arrays needs zip64, which tshape does not write"));
  const auto dir_offset = static_cast<std::uint32_t>(out.size());
  out.insert(out.end(), dir.begin(), dir.end());
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<unsigned>(members.size()));
  put16(out, static_cast<unsigned>(members.size()));
  put32(out, static_cast<std::uint32_t>(dir.size()));
  put32(out, dir_offset);
  put16(out, 0);
  return out;
}
}  // namespace detail

/// Writes members (name without ".npy", .npy bytes) as a zip that numpy.load reads: stored, as
/// numpy.savez writes, or deflated, as numpy.savez_compressed does (which needs zlib).
inline void write_npz(const std::string& path, const std::vector<std::pair<std::string, std::vector<std::byte>>>& members,
                      npz_compression how = npz_compression::stored) {
  const auto out = detail::encode_npz(members, how, path);
  detail::write_file(path, out);
}

}  // namespace tshape
