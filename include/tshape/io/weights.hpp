// A model's parameters from and to .npz archives, in Keras' get_weights() order.
//
// From Keras:   numpy.savez("weights.npz", *model.get_weights())
//          or   numpy.savez("weights.npz", **{w.name: w.numpy() for w in model.weights})
// Into tshape:  load_weights(net, "weights.npz");
//
// Arrays are matched by position (arr_0, arr_1, ... by number; named members in archive order, which
// is the order numpy.savez was given). Each array's dtype (float32) and shape are checked against the
// model's; a mismatch names the weight, e.g. "dense_1/kernel: got (64, 10), expected (64, 3)". Nothing
// is written into the model unless every array fits.
#pragma once
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "../model/weights.hpp"
#include "npz.hpp"

namespace tshape {

/// Loads every parameter of `net` from an .npz archive; reports the first misfit without writing.
template <class Net>
result<void> try_load_weights(Net& net, const std::string& path) {
  auto archive = try_read_npz(path);
  if (!archive) return archive.error();
  auto& members = archive.value();
  const bool numbered = std::all_of(members.begin(), members.end(), [](const npz_member& m) {
    return m.name.rfind("arr_", 0) == 0 && m.name.size() > 4 &&
           std::all_of(m.name.begin() + 4, m.name.end(), [](char c) { return c >= '0' && c <= '9'; });
  });
  if (numbered)
    std::sort(members.begin(), members.end(),
              [](const npz_member& a, const npz_member& b) { return std::stol(a.name.substr(4)) < std::stol(b.name.substr(4)); });
  const auto targets = weights(net);
  if (members.size() != targets.size())
    return make_error(errc::weights_mismatch, path + ": the archive has " + std::to_string(members.size()) +
                                                " arrays, the model has " + std::to_string(targets.size()) +
                                                " (Keras' get_weights() order)");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& a = members[i].array;
    const std::string what = path + ": " + std::string(targets[i].name.view()) + " (" + members[i].name + ")";
    if (a.dtype != "<f4")
      return make_error(errc::weights_mismatch, what + ": the array holds " + std::string(detail::npy_cpp_name(a.dtype)) +
                                                  " data; save float32 arrays (Keras' weights are float32)");
    std::vector<int> got(a.shape.begin(), a.shape.end());
    const auto expected = targets[i].shape();
    const auto v = check_extents(got, expected);
    if (v.code != errc::ok)
      return make_error(errc::weights_mismatch, what + ": " + detail::extents_words(got, expected));
  }
  for (std::size_t i = 0; i < targets.size(); ++i)
    std::memcpy(targets[i].values.data(), members[i].array.data.data(), members[i].array.data.size());
  return {};
}

/// As try_load_weights, but a misfit raises (throws shape_error, or calls the error handler).
template <class Net>
void load_weights(Net& net, const std::string& path) {
  try_load_weights(net, path).value();
}

/// Saves every parameter of `net` as an .npz archive named as Keras names them ("dense/kernel").
template <class Net>
void save_weights(Net& net, const std::string& path) {
  std::vector<std::pair<std::string, std::vector<std::byte>>> members;
  for_each_weight(net, [&](const weight_ref& w) {
    std::vector<long long> shape(w.shape().begin(), w.shape().end());
    members.emplace_back(std::string(w.name.view()),
                         detail::encode_npy("<f4", shape, std::as_bytes(std::span<const float>(w.values))));
  });
  write_npz(path, members);
}

}  // namespace tshape
