// Compressed .npz archives (numpy.savez_compressed): read as numpy wrote them, written on request,
// and every kind of damage reported without touching the model. Built with zlib (TSHAPE_USE_ZLIB)
// the archives load; without it, the same calls say what to install.
#include <tshape/io/npy.hpp>
#include <tshape/io/npz.hpp>
#include <tshape/io/weights.hpp>
#include <tshape/layers/dense.hpp>
#include <tshape/model/model_ptr.hpp>
#include <tshape/model/sequential.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "../support.hpp"

using namespace tshape;

namespace {
std::string io_file(const std::string& name) { return std::string(TSHAPE_REFERENCE_DIR) + "/io/" + name; }

struct temp_file {
  std::string path;
  explicit temp_file(const std::string& name)
      : path((std::filesystem::temp_directory_path() / ("tshape_npz_test_" + std::to_string(::getpid()) + "_" + name)).string()) {}
  ~temp_file() { std::filesystem::remove(path); }
};

std::vector<std::byte> file_bytes(const std::string& path) { return detail::read_file(path).value(); }

void write_bytes(const std::string& path, const std::vector<std::byte>& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::uint32_t get32(const std::vector<std::byte>& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint32_t>(b[at + static_cast<std::size_t>(i)]);
  return v;
}
void set32(std::vector<std::byte>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
}

// Where the first member's fields are in an archive tshape wrote (no zip64 records, no extras).
struct first_member {
  std::size_t dir = 0;   // its central directory entry: CRC at +16, sizes at +20 (compressed), +24
  std::size_t data = 0;  // its (compressed) bytes
  explicit first_member(const std::vector<std::byte>& b) {
    const std::byte sig[4] = {std::byte{'P'}, std::byte{'K'}, std::byte{1}, std::byte{2}};
    for (dir = 0; std::memcmp(b.data() + dir, sig, 4) != 0; ++dir) {}
    const std::size_t local = get32(b, dir + 42);
    data = local + 30 + (static_cast<std::size_t>(b[local + 26]) | static_cast<std::size_t>(b[local + 27]) << 8);
  }
};

using Mlp = Sequential<Input<5>, Dense<4, ReLU>, Dense<3>>;
}  // namespace

#ifdef TSHAPE_USE_ZLIB

TEST_CASE("load_weights: an archive from numpy.savez_compressed", "[io][npz]") {
  tshape_test::reference ref("io.txt");
  Tensor<float, Shape<2, 5>> x;
  ref.copy_to("x", x);
  auto net = make_model<Mlp>();
  load_weights(net, io_file("mlp_compressed.npz"));
  tshape_test::require_close(net(x), ref["y"].values, 1e-5, 1e-5);
}

TEST_CASE("try_read_npz: numpy's deflated members of every dtype equal its stored ones", "[io][npz]") {
  const auto packed = try_read_npz(io_file("mixed_compressed.npz")).value();
  const auto plain = try_read_npz(io_file("mixed_stored.npz")).value();
  REQUIRE(packed.size() == 5);
  REQUIRE(plain.size() == 5);
  for (std::size_t i = 0; i < packed.size(); ++i) {
    INFO(packed[i].name);
    CHECK(packed[i].name == plain[i].name);
    CHECK(packed[i].array.dtype == plain[i].array.dtype);
    CHECK(packed[i].array.shape == plain[i].array.shape);
    CHECK(packed[i].array.data == plain[i].array.data);
  }
  CHECK(packed[0].name == "zeros");
  CHECK(packed[0].array.shape == std::vector<long long>{64, 64});
  CHECK(packed[0].array.data == std::vector<std::byte>(64 * 64 * 4));
  auto flags = detail::tensor_from_npy<bool, Shape<5>>(packed[2].array, "flags").value();
  CHECK((flags(0) && !flags(1) && flags(2) && flags(3) && !flags(4)));
  auto ramp = detail::tensor_from_npy<double, Shape<dyn>>(packed[3].array, "ramp").value();
  CHECK(ramp(6) == 3.0);
  CHECK(packed[4].array.shape == std::vector<long long>{0, 3});
}

TEST_CASE("save_weights: compressed on request, read back exactly", "[io][npz]") {
  temp_file stored("stored.npz"), packed("packed.npz");
  auto a = make_model<Mlp>(1);
  save_weights(a, stored.path);
  save_weights(a, packed.path, npz_compression::deflated);
  const auto bytes = file_bytes(packed.path);
  const first_member m(bytes);
  CHECK(bytes[m.dir + 10] == std::byte{8});  // deflate
  CHECK(get32(bytes, m.dir + 20) < get32(bytes, m.dir + 24));
  const auto members = try_read_npz(packed.path).value();
  const auto plain = try_read_npz(stored.path).value();
  REQUIRE(members.size() == 4);
  for (std::size_t i = 0; i < members.size(); ++i) {
    CHECK(members[i].name == plain[i].name);
    CHECK(members[i].array.data == plain[i].array.data);
  }
  auto b = make_model<Mlp>(2);
  load_weights(b, packed.path);
  CHECK(flat_weights(b) == flat_weights(a));
}

TEST_CASE("load_weights: a damaged compressed archive is a clear error and changes nothing", "[io][npz]") {
  temp_file good("good.npz"), bad("bad.npz");
  auto a = make_model<Mlp>(1);
  save_weights(a, good.path, npz_compression::deflated);
  const auto bytes = file_bytes(good.path);
  const first_member m(bytes);
  const std::uint32_t csize = get32(bytes, m.dir + 20), usize = get32(bytes, m.dir + 24);
  auto net = make_model<Mlp>(2);
  const auto before = flat_weights(net);

  auto expect = [&](auto&& damage, const std::string& words) {
    auto copy = bytes;
    damage(copy);
    write_bytes(bad.path, copy);
    const auto r = try_load_weights(net, bad.path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::bad_data);
    CHECK_THAT(std::string(r.error().what()), Catch::Contains(words) && Catch::Contains("dense/kernel"));
    CHECK(flat_weights(net) == before);
  };
  SECTION("a corrupt deflate stream") {
    // A block of the reserved type 3 as the stream's first (and final) block.
    expect([&](auto& b) { b[m.data] = std::byte{0x07}; }, "corrupt compressed data (invalid block type)");
  }
  SECTION("a wrong CRC") {
    expect([&](auto& b) { set32(b, m.dir + 16, get32(b, m.dir + 16) ^ 1); }, "does not match its CRC-32");
  }
  SECTION("an inflated size smaller than the data") {
    expect([&](auto& b) { set32(b, m.dir + 24, usize - 1); },
           "inflates to more than the " + std::to_string(usize - 1) + " bytes the archive declares");
  }
  SECTION("an inflated size larger than the data") {
    expect([&](auto& b) { set32(b, m.dir + 24, usize + 1); },
           "inflates to " + std::to_string(usize) + " bytes, the archive declares " + std::to_string(usize + 1));
  }
  SECTION("an inflated size no deflate stream of that length reaches (a zip bomb)") {
    expect([&](auto& b) { set32(b, m.dir + 24, 0xFFFFFFF0u); }, "cannot inflate to the 4294967280 the archive declares");
  }
  SECTION("a compressed size that cuts the stream short") {
    expect([&](auto& b) { set32(b, m.dir + 20, csize / 2); }, "ends early");
  }
  SECTION("a compressed size past the end of the file") {
    expect([&](auto& b) { set32(b, m.dir + 20, static_cast<std::uint32_t>(b.size())); }, "truncated data");
  }
}

TEST_CASE("read_npz: an empty deflated member is empty, not a zlib error", "[io][npz]") {
  temp_file f("empty.npz");
  write_npz(f.path, {{"nothing", {}}}, npz_compression::deflated);
  const auto r = try_read_npz(f.path);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(std::string(r.error().what()), Catch::EndsWith("nothing: not a .npy file (no \\x93NUMPY magic)"));
}

TEST_CASE("load_weights: the damage is caught at every truncation of a compressed archive", "[io][npz]") {
  temp_file good("good.npz"), bad("bad.npz");
  auto a = make_model<Mlp>(1);
  save_weights(a, good.path, npz_compression::deflated);
  const auto bytes = file_bytes(good.path);
  auto net = make_model<Mlp>(2);
  const auto before = flat_weights(net);
  for (std::size_t keep = 0; keep < bytes.size(); ++keep) {
    write_bytes(bad.path, std::vector<std::byte>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(keep)));
    CHECK_FALSE(try_load_weights(net, bad.path).ok());
  }
  CHECK(flat_weights(net) == before);
}

#else

TEST_CASE("a build without zlib says what to install for a compressed archive", "[io][npz]") {
  auto net = make_model<Mlp>(2);
  const auto before = flat_weights(net);
  const auto r = try_load_weights(net, io_file("mlp_compressed.npz"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == errc::not_built_in);
  CHECK_THAT(std::string(r.error().what()),
             Catch::StartsWith(TSHAPE_MSG_NOT_BUILT_IN) && Catch::Contains("arr_0: compressed archives") &&
                 Catch::Contains("install zlib1g-dev"));
  CHECK(flat_weights(net) == before);
  temp_file f("packed.npz");
  CHECK_THROWS_WITH(save_weights(net, f.path, npz_compression::deflated), Catch::Contains("need zlib"));
}

#endif

TEST_CASE("read_npz: forged offsets and sizes are errors, never reads outside the file", "[io][npz]") {
  temp_file good("good.npz"), bad("bad.npz");
  auto a = make_model<Mlp>(1);
  save_weights(a, good.path);
  const auto bytes = file_bytes(good.path);
  const first_member m(bytes);
  auto expect = [&](auto&& damage, const std::string& words) {
    auto copy = bytes;
    damage(copy);
    write_bytes(bad.path, copy);
    const auto r = try_read_npz(bad.path);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(std::string(r.error().what()), Catch::Contains(words));
  };
  // Offsets near 2^32 that a sum would wrap around on a 32-bit size_t, sizes past the end.
  expect([&](auto& b) { set32(b, m.dir + 42, 0xFFFFFFF0u); }, "a broken local header");
  expect([&](auto& b) { set32(b, m.dir + 20, 0xFFFFFFF0u); }, "truncated data");
  expect([&](auto& b) { set32(b, b.size() - 6, 0xFFFFFFF0u); }, "a broken central directory");
  expect([&](auto& b) { b[m.dir + 10] = std::byte{12}; }, "compressed with zip method 12");
  expect([&](auto& b) { b[m.dir + 8] = std::byte{1}; }, "is encrypted");
  // Positional names beyond any integer type still sort, by number.
  std::vector<std::pair<std::string, std::vector<std::byte>>> members;
  const float one = 1;
  const long long shape[1] = {1};
  for (const char* name : {"arr_100000000000000000000000", "arr_2", "arr_10"})
    members.emplace_back(name, detail::encode_npy("<f4", shape, std::as_bytes(std::span<const float>(&one, 1))));
  write_npz(bad.path, members);
  CHECK(try_read_npz(bad.path).value()[0].name == "arr_100000000000000000000000");
  auto small = make_model<Sequential<Input<1>, Dense<1>>>();
  CHECK_THROWS_WITH(load_weights(small, bad.path), Catch::Contains("the archive has 3 arrays, the model has 2"));
}

TEST_CASE("load_weights: a directory or an empty file is an error, not a huge allocation", "[io][npz]") {
  auto net = make_model<Mlp>(2);
  const auto dir = try_load_weights(net, std::filesystem::temp_directory_path().string());
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().code == errc::file_error);
  CHECK_THAT(std::string(dir.error().what()), Catch::EndsWith("cannot read it"));
  temp_file empty("empty.npz");
  write_bytes(empty.path, {});
  CHECK_THAT(std::string(try_load_weights(net, empty.path).error().what()), Catch::Contains("not a zip archive"));
  CHECK_THAT(std::string(try_load_npy<float, Shape<dyn>>(empty.path).error().what()), Catch::Contains("not a .npy file"));
}

TEST_CASE("read_npz: members are named as numpy.load names them", "[io][npz]") {
  temp_file f("names.npz");
  const long long shape[1] = {0};
  std::vector<std::pair<std::string, std::vector<std::byte>>> members;
  for (const char* name : {"", "a.npy", "dense/kernel:0"})
    members.emplace_back(name, detail::encode_npy("<f4", shape, {}));
  write_npz(f.path, members);  // as files ".npy", "a.npy.npy", "dense/kernel:0.npy"
  const auto back = try_read_npz(f.path).value();
  REQUIRE(back.size() == 3);
  CHECK(back[0].name.empty());
  CHECK(back[1].name == "a.npy");
  CHECK(back[2].name == "dense/kernel:0");
}

TEST_CASE("load_npy: a bool array with a byte other than 0 and 1 is an error, not undefined behaviour", "[io][npy]") {
  temp_file f("flags.npy");
  const long long shape[1] = {3};
  const std::byte values[3] = {std::byte{1}, std::byte{2}, std::byte{0}};
  write_bytes(f.path, detail::encode_npy("|b1", shape, values));
  CHECK_THAT(std::string(try_load_npy<bool, Shape<3>>(f.path).error().what()),
             Catch::Contains("a bool array holds a byte other than 0 and 1"));
}
