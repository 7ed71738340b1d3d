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
                    Catch::StartsWith(TSHAPE_MSG_WRONG_RANK) &&
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
  CHECK_THROWS_WITH((load_npy<float, Shape<3, 16>>(io_file("images.npy"))), Catch::StartsWith(TSHAPE_MSG_WRONG_RANK));
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
