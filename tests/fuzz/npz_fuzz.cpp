// libFuzzer target for everything that reads a weights or data file: the .npy parser, the .npz
// (zip) reader with stored and deflated members, and load_weights into a model. Any input must end
// in a value or an error: no crash, no read outside the input, no allocation beyond what the input
// can justify, and a failed load must leave the model exactly as it was. What the reader accepts,
// the writer writes again (stored and deflated), and it reads back the same.
//
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude -DTSHAPE_USE_ZLIB \
//       tests/fuzz/npz_fuzz.cpp -o npz_fuzz -lz -lopenblas
//   ./npz_fuzz -dict=tests/fuzz/npz.dict new_corpus/ tests/fuzz/corpus/
#include <tshape/io/npy.hpp>
#include <tshape/io/npz.hpp>
#include <tshape/io/weights.hpp>
#include <tshape/layers/dense.hpp>
#include <tshape/model/sequential.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

using namespace tshape;

namespace {
// The model of the seed archives (tests/reference/io/mlp*.npz).
using Mlp = Sequential<Input<5>, Dense<4, ReLU>, Dense<3>>;

// Loads an array as a few tensor types: the dtype, rank and extent checks, and bool's values.
void as_tensors(const npy_array& a) {
  (void)detail::tensor_from_npy<float, Shape<dyn, 4, 4>>(a, "fuzz");
  (void)detail::tensor_from_npy<float, Shape<dyn>>(a, "fuzz");
  (void)detail::tensor_from_npy<std::int32_t, Shape<2, 3>>(a, "fuzz");
  (void)detail::tensor_from_npy<bool, Shape<dyn>>(a, "fuzz");
  (void)detail::tensor_from_npy<double, Shape<dyn, dyn>>(a, "fuzz");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span<const std::uint8_t>(data, size));

  if (auto a = detail::parse_npy(bytes, "fuzz.npy")) as_tensors(a.value());

  auto members = detail::parse_npz(bytes, "fuzz.npz");
  if (!members) return 0;
  for (const auto& m : members.value()) as_tensors(m.array);

  // What was read, written again (stored and deflated) and read back, is the same.
  std::vector<std::pair<std::string, std::vector<std::byte>>> encoded;
  for (const auto& m : members.value())
    encoded.emplace_back(m.name, detail::encode_npy(m.array.dtype, m.array.shape, m.array.data));
  for (auto how : {npz_compression::stored, npz_compression::deflated}) {
    const auto archive = detail::encode_npz(encoded, how, "fuzz.npz");
    const auto back = detail::parse_npz(archive, "fuzz.npz");
    bool same = back.ok() && back.value().size() == members.value().size();
    for (std::size_t i = 0; same && i < back.value().size(); ++i) {
      const auto &a = back.value()[i], &b = members.value()[i];
      same = a.name == b.name && a.array.dtype == b.array.dtype && a.array.shape == b.array.shape &&
             a.array.data == b.array.data;
    }
    if (!same) {
      std::fputs("an archive written from what was read reads back differently\n", stderr);
      std::abort();
    }
  }

  static Mlp net;  // static: its weights persist across inputs, as a long-lived model's would
  const auto before = flat_weights(net);
  // Compared as bytes: an earlier input may have loaded NaNs, which never equal themselves.
  const auto same = [&] {
    const auto now = flat_weights(net);
    return std::memcmp(now.data(), before.data(), now.size() * sizeof(float)) == 0;
  };
  if (!detail::load_weights_from(net, members.value(), "fuzz.npz").ok() && !same()) {
    std::fputs("a failed load_weights changed the model\n", stderr);
    std::abort();
  }
  return 0;
}
