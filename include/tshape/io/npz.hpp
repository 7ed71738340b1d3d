// NumPy's .npz archives (what numpy.savez writes): a zip of .npy members, stored without
// compression. Members are read in archive order and checked against their CRC-32.
// numpy.savez_compressed archives (deflate) are rejected with an error that says so.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "npy.hpp"

namespace tshape {

struct npz_member {
  std::string name;  // without ".npy", e.g. "arr_0" or "dense/kernel:0"
  npy_array array;
};

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

/// The zip format's CRC-32 of `data`.
inline std::uint32_t crc32(std::span<const std::byte> data) {
  static constexpr auto table = crc32_table();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::byte b : data) c = table[(c ^ static_cast<std::uint32_t>(b)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
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
    if (eocd == b_.size()) return fail("not a zip archive (no end of central directory)");
    std::uint64_t count = u16(eocd + 10), dir = u32(eocd + 16);
    if (count == 0xFFFF || dir == 0xFFFFFFFF) {  // zip64: the real values are in the zip64 records
      if (eocd < 20 || u32(eocd - 20) != 0x07064b50) return fail("a zip64 archive without its locator");
      const std::uint64_t z = u64(eocd - 20 + 8);
      if (z + 56 > b_.size() || u32(static_cast<std::size_t>(z)) != 0x06064b50) return fail("a broken zip64 record");
      count = u64(static_cast<std::size_t>(z) + 32);
      dir = u64(static_cast<std::size_t>(z) + 48);
    }
    std::vector<npz_member> out;
    std::size_t p = static_cast<std::size_t>(dir);
    for (std::uint64_t m = 0; m < count; ++m) {
      if (p + 46 > b_.size() || u32(p) != 0x02014b50) return fail("a broken central directory");
      const unsigned method = u16(p + 10);
      const std::uint32_t crc = u32(p + 16);
      std::uint64_t csize = u32(p + 20), usize = u32(p + 24), local = u32(p + 42);
      const std::size_t name_len = u16(p + 28), extra_len = u16(p + 30), comment_len = u16(p + 32);
      if (p + 46 + name_len + extra_len > b_.size()) return fail("a broken central directory");
      std::string name(reinterpret_cast<const char*>(b_.data() + p + 46), name_len);
      // zip64 sizes and offset, in that order, for the fields that overflowed
      for (std::size_t e = p + 46 + name_len; e + 4 <= p + 46 + name_len + extra_len;) {
        const unsigned id = u16(e), len = u16(e + 2);
        std::size_t f = e + 4;
        if (id == 0x0001) {
          if (usize == 0xFFFFFFFF && f + 8 <= e + 4 + len) usize = u64(f), f += 8;
          if (csize == 0xFFFFFFFF && f + 8 <= e + 4 + len) csize = u64(f), f += 8;
          if (local == 0xFFFFFFFF && f + 8 <= e + 4 + len) local = u64(f), f += 8;
        }
        e += 4 + len;
      }
      p += 46 + name_len + extra_len + comment_len;
      if (method != 0)
        return fail(name + " is compressed; tshape reads archives written by numpy.savez (not savez_compressed)");
      if (local + 30 > b_.size() || u32(static_cast<std::size_t>(local)) != 0x04034b50)
        return fail(name + ": a broken local header");
      const std::size_t data = static_cast<std::size_t>(local) + 30 + u16(static_cast<std::size_t>(local) + 26) +
                               u16(static_cast<std::size_t>(local) + 28);
      if (csize != usize || data + csize > b_.size()) return fail(name + ": truncated data");
      const auto bytes = b_.subspan(data, static_cast<std::size_t>(csize));
      if (crc32(bytes) != crc) return fail(name + ": the data does not match its CRC-32 (a damaged file)");
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
      auto a = parse_npy(bytes, std::string(what_) + "/" + name);
      if (!a) return a.error();
      out.push_back({std::move(name), std::move(a.value())});
    }
    return out;
  }

 private:
  unsigned u16(std::size_t i) const {
    return static_cast<unsigned>(b_[i]) | (static_cast<unsigned>(b_[i + 1]) << 8);
  }
  std::uint32_t u32(std::size_t i) const { return u16(i) | (static_cast<std::uint32_t>(u16(i + 2)) << 16); }
  std::uint64_t u64(std::size_t i) const { return u32(i) | (static_cast<std::uint64_t>(u32(i + 4)) << 32); }
  error_info fail(const std::string& why) const { return npy_error(what_, why); }

  std::span<const std::byte> b_;
  std::string_view what_;
};

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
  auto bytes = detail::read_file(path);
  if (!bytes) return bytes.error();
  return detail::zip_reader(bytes.value(), path).members();
}

/// Writes members (name without ".npy", .npy bytes) as an uncompressed zip that numpy.load reads.
inline void write_npz(const std::string& path, const std::vector<std::pair<std::string, std::vector<std::byte>>>& members) {
  std::vector<std::byte> out, dir;
  for (const auto& [name, data] : members) {
    const std::string file = name + ".npy";
    if (data.size() > 0xFFFFFFFEu || out.size() > 0xFFFFFFFEu)
      raise(make_error(errc::file_error, path + ": an archive over 4 GiB needs zip64, which tshape does not write"));
    const std::uint32_t crc = detail::crc32(data), offset = static_cast<std::uint32_t>(out.size());
    const auto size = static_cast<std::uint32_t>(data.size());
    detail::put32(out, 0x04034b50);
    detail::put16(out, 20);  // version needed
    detail::put16(out, 0);   // flags
    detail::put16(out, 0);   // stored
    detail::put32(out, 0);   // time, date
    detail::put32(out, crc);
    detail::put32(out, size);
    detail::put32(out, size);
    detail::put16(out, static_cast<unsigned>(file.size()));
    detail::put16(out, 0);
    for (char c : file) out.push_back(static_cast<std::byte>(c));
    out.insert(out.end(), data.begin(), data.end());

    detail::put32(dir, 0x02014b50);
    detail::put16(dir, 20);  // made by
    detail::put16(dir, 20);  // needed
    detail::put16(dir, 0);
    detail::put16(dir, 0);
    detail::put32(dir, 0);
    detail::put32(dir, crc);
    detail::put32(dir, size);
    detail::put32(dir, size);
    detail::put16(dir, static_cast<unsigned>(file.size()));
    detail::put16(dir, 0);   // extra
    detail::put16(dir, 0);   // comment
    detail::put16(dir, 0);   // disk
    detail::put16(dir, 0);   // internal attributes
    detail::put32(dir, 0);   // external attributes
    detail::put32(dir, offset);
    for (char c : file) dir.push_back(static_cast<std::byte>(c));
  }
  const auto dir_offset = static_cast<std::uint32_t>(out.size());
  out.insert(out.end(), dir.begin(), dir.end());
  detail::put32(out, 0x06054b50);
  detail::put16(out, 0);
  detail::put16(out, 0);
  detail::put16(out, static_cast<unsigned>(members.size()));
  detail::put16(out, static_cast<unsigned>(members.size()));
  detail::put32(out, static_cast<std::uint32_t>(dir.size()));
  detail::put32(out, dir_offset);
  detail::put16(out, 0);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (!f) raise(make_error(errc::file_error, path + ": cannot write it"));
}

}  // namespace tshape
