#include <tshape/io/npy.hpp>
#include <tshape/io/npz.hpp>
#include <tshape/io/weights.hpp>
#include <tshape/layers/dense.hpp>
#include <tshape/model/model_ptr.hpp>
#include <tshape/model/sequential.hpp>
#include <tshape/tensor/ops.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "../support.hpp"

using namespace tshape;

namespace {
std::string io_file(const std::string& name) { return std::string(TSHAPE_REFERENCE_DIR) + "/io/" + name; }

// A scratch file path, removed when the test ends.
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& name)
      : path((std::filesystem::temp_directory_path() / ("tshape_test_" + std::to_string(::getpid()) + "_" + name)).string()) {}
  ~temp_file() { std::filesystem::remove(path); }
};

void copy_prefix(const std::string& from, const std::string& to, std::size_t keep) {
  std::ifstream in(from, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(to, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(std::min(keep, bytes.size())));
}

using Mlp = Sequential<Input<5>, Dense<4, ReLU>, Dense<3>>;
}  // namespace

TEST_CASE("load_npy: NumPy's file into a checked Tensor", "[io][npy]") {
  auto images = load_npy<float, Shape<dyn, 4, 4>>(io_file("images.npy"));
  CHECK(images.extent(0) == 3);
  auto counts = load_npy<std::int32_t, Shape<2, 3>>(io_file("counts.npy"));
  CHECK(counts(1, 2) == 5);
}

TEST_CASE("load_npy: images without a channel axis are rejected with the fix", "[io][npy]") {
  CHECK_THROWS_WITH((load_npy<float, Shape<dyn, 4, 4, 1>>(io_file("images.npy"))),
                    Catch::StartsWith(TSHAPE_MSG_DATA_SHAPE_MISMATCH) &&
                        Catch::Contains("images.npy: got (3, 4, 4), expected (None, 4, 4, 1): add a channel axis with expand_dims<-1>"));
  // The fix, as the message says.
  auto images = load_npy<float, Shape<dyn, 4, 4>>(io_file("images.npy"));
  auto with_channel = expand_dims<-1>(images);
  CHECK(with_channel.extent(3) == 1);
}

TEST_CASE("load_npy: an array of other extents is the data's mismatch, not a layer's", "[io][npy]") {
  auto r = try_load_npy<float, Shape<dyn, 4, 5>>(io_file("images.npy"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == errc::data_shape_mismatch);
  CHECK_THAT(std::string(r.error().what()),
             Catch::StartsWith(TSHAPE_MSG_DATA_SHAPE_MISMATCH) && Catch::EndsWith("images.npy: got (3, 4, 4), expected (None, 4, 5)"));
  CHECK_THROWS_WITH((load_npy<float, Shape<3, 16>>(io_file("images.npy"))), Catch::StartsWith(TSHAPE_MSG_DATA_SHAPE_MISMATCH));
}

TEST_CASE("load_npy: another dtype, Fortran order, truncation and garbage are clear errors", "[io][npy]") {
  CHECK_THROWS_WITH((load_npy<float, Shape<2, 3>>(io_file("counts.npy"))),
                    Catch::Contains("holds std::int32_t ('<i4') data, not float: load it as it is and convert with cast<float>(x)"));
  CHECK_THROWS_WITH((load_npy<float, Shape<2, 3>>(io_file("fortran.npy"))), Catch::Contains("numpy.ascontiguousarray"));
  temp_file cut("cut.npy");
  copy_prefix(io_file("images.npy"), cut.path, 200);
  CHECK_THROWS_WITH((load_npy<float, Shape<dyn, 4, 4>>(cut.path)), Catch::Contains("truncated data"));
  copy_prefix(io_file("images.npy"), cut.path, 8);
  CHECK_THROWS_WITH((load_npy<float, Shape<dyn, 4, 4>>(cut.path)), Catch::Contains("not a .npy file"));
  auto missing = try_load_npy<float, Shape<dyn>>(io_file("no-such-file.npy"));
  CHECK_FALSE(missing.ok());
  CHECK(missing.error().code == errc::file_error);
  CHECK_THAT(std::string(missing.error().what()),
             Catch::StartsWith(TSHAPE_MSG_FILE_ERROR) && Catch::EndsWith("no-such-file.npy: cannot open it"));
  // A file that never ends is refused by its first bytes, not read until memory runs out.
  auto zeros = try_load_npy<float, Shape<dyn>>("/dev/zero");
  REQUIRE_FALSE(zeros.ok());
  CHECK_THAT(std::string(zeros.error().what()), Catch::EndsWith("/dev/zero: not a .npy file (no \\x93NUMPY magic)"));
  auto net = make_model<Mlp>();
  auto archive = try_load_weights(net, "/dev/zero");
  REQUIRE_FALSE(archive.ok());
  CHECK_THAT(std::string(archive.error().what()), Catch::Contains("/dev/zero"));
}

TEST_CASE("save_npy: round trip of static and dyn tensors", "[io][npy]") {
  temp_file f("round.npy");
  Tensor<float, Shape<dyn, 3>> t(2);
  for (std::ptrdiff_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i) * 0.5f;
  save_npy(f.path, t);
  auto back = load_npy<float, Shape<2, 3>>(f.path);
  tshape_test::require_close(back, t, 0, 0);
  Tensor<std::uint8_t, Shape<4>> bytes{1, 2, 3, 255};
  save_npy(f.path, bytes);
  CHECK(load_npy<std::uint8_t, Shape<4>>(f.path)(3) == 255);
}

TEST_CASE("load_weights: Keras' get_weights() saved by numpy, by number or by name", "[io][weights]") {
  tshape_test::reference ref("io.txt");
  Tensor<float, Shape<2, 5>> x;
  ref.copy_to("x", x);
  for (const char* file : {"mlp.npz", "mlp_named.npz"}) {
    INFO(file);
    auto net = make_model<Mlp>();
    load_weights(net, io_file(file));
    tshape_test::require_close(net(x), ref["y"].values, 1e-5, 1e-5);
  }
}

TEST_CASE("load_weights: a misfit names the weight and changes nothing", "[io][weights]") {
  auto net = make_model<Sequential<Input<5>, Dense<4, ReLU>, Dense<2>>>();
  const float before = layer<0>(net).kernel()(0, 0);
  CHECK_THROWS_WITH(load_weights(net, io_file("mlp.npz")),
                    Catch::Contains("dense_1/kernel (arr_2): got (4, 3), expected (4, 2)"));
  CHECK(layer<0>(net).kernel()(0, 0) == before);
  auto small = make_model<Sequential<Input<5>, Dense<4>>>();
  CHECK_THROWS_WITH(load_weights(small, io_file("mlp.npz")), Catch::Contains("the archive has 4 arrays, the model has 2"));
}

TEST_CASE("save_weights: an archive numpy reads, and a damaged one is caught", "[io][weights]") {
  temp_file f("weights.npz");
  auto a = make_model<Mlp>(1);
  save_weights(a, f.path);
  auto members = try_read_npz(f.path).value();
  REQUIRE(members.size() == 4);
  CHECK(members[0].name == "dense/kernel");
  CHECK(members[3].name == "dense_1/bias");
  auto b = make_model<Mlp>(2);
  load_weights(b, f.path);
  Tensor<float, Shape<1, 5>> x{1, 2, 3, 4, 5};
  tshape_test::require_close(b(x), a(x), 0, 0);
  // Flip one byte of the first array's data: the CRC check reports it.
  {
    std::fstream io(f.path, std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(200);
    io.put('\x7f');
  }
  CHECK_THROWS_WITH(load_weights(b, f.path), Catch::Contains("does not match its CRC-32"));
}

TEST_CASE("load_weights: named arrays load by name, in any order", "[io][weights]") {
  auto a = make_model<Mlp>(1);
  temp_file saved("saved.npz");
  save_weights(a, saved.path);
  // The same arrays with the second layer's first, as numpy.savez(**dict) writes a dict in that order.
  auto members = try_read_npz(saved.path).value();
  std::vector<std::pair<std::string, std::vector<std::byte>>> reordered;
  for (std::size_t i : {2, 3, 0, 1})
    reordered.emplace_back(members[i].name + (i == 0 ? ":0" : ""),  // Keras 2's suffix on one of them
                           detail::encode_npy(members[i].array.dtype, members[i].array.shape, members[i].array.data));
  temp_file shuffled("shuffled.npz");
  write_npz(shuffled.path, reordered);
  auto b = make_model<Mlp>(2);
  load_weights(b, shuffled.path);
  Tensor<float, Shape<1, 5>> x{1, 2, 3, 4, 5};
  tshape_test::require_close(b(x), a(x), 0, 0);
}

TEST_CASE("load_npy: each dtype spelling numpy writes, and the words of a dtype misfit", "[io][npy]") {
  temp_file f("dtype.npy");
  const std::array<long long, 1> shape{2};
  const std::array<float, 2> floats{1.5f, -2.0f};
  for (const char* descr : {"<f4", "|f4", "=f4"}) {
    INFO(descr);
    detail::write_file(f.path, detail::encode_npy(descr, shape, std::as_bytes(std::span(floats))));
    auto x = load_npy<float, Shape<2>>(f.path);
    CHECK(x(1) == -2.0f);
  }
  const std::array<std::int8_t, 2> bytes{-3, 4};
  for (const char* descr : {"|i1", "<i1", ">i1"}) {
    INFO(descr);
    detail::write_file(f.path, detail::encode_npy(descr, shape, std::as_bytes(std::span(bytes))));
    CHECK(load_npy<std::int8_t, Shape<2>>(f.path)(0) == -3);
  }
  // Floats into an int tensor: the fix names the tensor's type, and no model.
  detail::write_file(f.path, detail::encode_npy("<f4", shape, std::as_bytes(std::span(floats))));
  auto r = try_load_npy<std::int32_t, Shape<2>>(f.path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == errc::data_dtype_mismatch);
  CHECK_THAT(std::string(r.error().what()),
             Catch::StartsWith(TSHAPE_MSG_DATA_DTYPE_MISMATCH) &&
                 Catch::EndsWith("holds float ('<f4') data, not std::int32_t: load it as it is and convert with cast<std::int32_t>(x)"));
  const std::array<std::uint16_t, 2> halves{0x3c00, 0x4000};
  detail::write_file(f.path, detail::encode_npy("<f2", shape, std::as_bytes(std::span(halves))));
  CHECK_THROWS_WITH((load_npy<float, Shape<2>>(f.path)),
                    Catch::EndsWith("holds float16 ('<f2') data, not float: save it from numpy as float32 (x.astype('float32'))"));
}

TEST_CASE("load_npy and load_weights: valid files in forms tshape does not read say so", "[io][npy]") {
  temp_file f("form.npy");
  const std::array<long long, 1> shape{2};
  const std::array<float, 2> floats{1.5f, -2.0f};
  detail::write_file(f.path, detail::encode_npy(">f4", shape, std::as_bytes(std::span(floats))));
  auto r = try_load_npy<float, Shape<2>>(f.path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == errc::unsupported_data);
  CHECK_THAT(std::string(r.error().what()), Catch::StartsWith(TSHAPE_MSG_UNSUPPORTED_DATA) && Catch::Contains("big-endian"));
  CHECK(try_load_npy<float, Shape<2, 3>>(io_file("fortran.npy")).error().code == errc::unsupported_data);

  // Keras' own formats: an HDF5 file (.weights.h5) and a .keras zip.
  const std::array<std::byte, 16> hdf5{std::byte{0x89}, std::byte{'H'}, std::byte{'D'}, std::byte{'F'},
                                       std::byte{'\r'}, std::byte{'\n'}, std::byte{0x1a}, std::byte{'\n'}};
  temp_file h5("model.weights.h5");
  detail::write_file(h5.path, hdf5);
  auto net = make_model<Mlp>();
  auto e = try_load_weights(net, h5.path);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().code == errc::unsupported_data);
  CHECK_THAT(std::string(e.error().what()),
             Catch::Contains("an HDF5 file (Keras' .h5 or .weights.h5): save the weights for tshape with "
                             "numpy.savez(path, *model.get_weights())"));
  temp_file keras("model.keras");
  write_npz(keras.path, {{"metadata.json", detail::encode_npy("<f4", shape, std::as_bytes(std::span(floats)))}});
  CHECK_THAT(std::string(try_load_weights(net, keras.path).error().what()),
             Catch::Contains("a Keras .keras archive (its metadata.json)"));
}

TEST_CASE("run-time errors: details too long for the message keep their start and their end", "[io]") {
  const std::string path = "/data/" + std::string(500, 'x') + "/weights.npz";
  const auto e = make_error(errc::file_error, path + ": cannot open it");
  const std::string text(e.what());
  CHECK(text.size() == error_info::capacity);
  CHECK_THAT(text, Catch::StartsWith(std::string(TSHAPE_MSG_FILE_ERROR) + ": /data/xxx") &&
                       Catch::Contains("x ... x") && Catch::EndsWith("x/weights.npz: cannot open it"));
}
