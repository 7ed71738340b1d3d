// A model's parameters from and to .npz archives, in Keras' get_weights() order.
//
// From Keras:   numpy.savez("weights.npz", *model.get_weights())   (or numpy.savez_compressed)
//          or   numpy.savez("weights.npz", **{w.name: w.numpy() for w in model.weights})
// Into tshape:  load_weights(net, "weights.npz");
//
// Arrays are matched by name when each names a distinct weight ("dense/kernel", Keras 2's ":0" too),
// in any order; else by position (arr_0, arr_1, ... by number; named members in archive order, as
// numpy.savez was given them). Each array's dtype (float32) and shape are checked against the
// model's; a mismatch names the weight, e.g. "dense_1/kernel: got (64, 10), expected (64, 3)". Nothing
// is written into the model unless every array fits.
#pragma once
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../model/weights.hpp"
#include "npz.hpp"

namespace tshape {

namespace detail {
// Whether a member is named as numpy.savez names positional arrays: arr_0, arr_1, ...
inline bool numbered_member(const npz_member& m) {
  return m.name.rfind("arr_", 0) == 0 && m.name.size() > 4 &&
         std::all_of(m.name.begin() + 4, m.name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Puts the members in the order of the model's weights when each names a distinct one of them
/// (Keras 2's ":0" suffix allowed); leaves them as they are otherwise.
template <class Targets>
void sort_by_weight_names(std::vector<npz_member>& members, const Targets& targets) {
  if (members.size() != targets.size()) return;
  std::vector<std::size_t> at(targets.size(), members.size());  // the member of each weight
  for (std::size_t m = 0; m < members.size(); ++m) {
    std::string_view name = members[m].name;
    if (name.size() > 2 && name.substr(name.size() - 2) == ":0") name.remove_suffix(2);
    std::size_t i = 0;
    while (i < targets.size() && targets[i].name.view() != name) ++i;
    if (i == targets.size() || at[i] != members.size()) return;  // not a weight's name, or named twice
    at[i] = m;
  }
  std::vector<npz_member> ordered;
  ordered.reserve(members.size());
  for (std::size_t i : at) ordered.push_back(std::move(members[i]));
  members = std::move(ordered);
}

/// Loads `net`'s parameters from an archive's members (`what` names it in errors); nothing is
/// written unless every array fits.
template <class Net>
result<void> load_weights_from(Net& net, std::vector<npz_member>& members, const std::string& what_archive) {
  if (std::all_of(members.begin(), members.end(), numbered_member))
    std::stable_sort(members.begin(), members.end(), [](const npz_member& a, const npz_member& b) {
      // by number, compared as digit strings: "arr_99999999999999999999" overflows every integer type
      const std::string_view x = std::string_view(a.name).substr(4), y = std::string_view(b.name).substr(4);
      const auto skip = [](std::string_view s) { return s.substr(std::min(s.find_first_not_of('0'), s.size())); };
      const std::string_view xs = skip(x), ys = skip(y);
      return xs.size() != ys.size() ? xs.size() < ys.size() : xs < ys;
    });
  const auto targets = weights(net);
  sort_by_weight_names(members, targets);
  if (members.size() != targets.size())
    return make_error(errc::weights_mismatch, what_archive + ": the archive has " + std::to_string(members.size()) +
                                                " arrays, the model has " + std::to_string(targets.size()) +
                                                " (Keras' get_weights() order)");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& a = members[i].array;
    const std::string what = what_archive + ": " + std::string(targets[i].name.view()) + " (" + members[i].name + ")";
    if (a.dtype != "<f4")
      return make_error(errc::weights_mismatch, what + ": the array holds " + std::string(npy_cpp_name(a.dtype)) +
                                                  " data; save float32 arrays (Keras' weights are float32)");
    std::vector<int> got(a.shape.begin(), a.shape.end());
    const auto expected = targets[i].shape();
    const auto v = check_extents(got, expected);
    if (v.code != errc::ok || a.data.size() != targets[i].values.size_bytes())
      return make_error(errc::weights_mismatch,
                        what + ": " + extents_words(got, expected) + " (a file of another model, or in another order?)");
  }
  for (std::size_t i = 0; i < targets.size(); ++i)
    std::memcpy(targets[i].values.data(), members[i].array.data.data(), members[i].array.data.size());
  return {};
}
}  // namespace detail

/// Loads every parameter of `net` from an .npz archive (numpy.savez or savez_compressed); reports the
/// first misfit without writing.
template <class Net>
result<void> try_load_weights(Net& net, const std::string& path) {
  auto archive = try_read_npz(path);
  if (!archive) return archive.error();
  return detail::load_weights_from(net, archive.value(), path);
}

/// As try_load_weights, but a misfit raises (throws shape_error, or calls the error handler).
template <class Net>
void load_weights(Net& net, const std::string& path) {
  try_load_weights(net, path).value();
}

/// Saves every parameter of `net` as an .npz archive named as Keras names them ("dense/kernel"):
/// stored as numpy.savez does, or with npz_compression::deflated as numpy.savez_compressed does.
template <class Net>
void save_weights(Net& net, const std::string& path, npz_compression how = npz_compression::stored) {
  std::vector<std::pair<std::string, std::vector<std::byte>>> members;
  for_each_weight(net, [&](const weight_ref& w) {
    std::vector<long long> shape(w.shape().begin(), w.shape().end());
    members.emplace_back(std::string(w.name.view()),
                         detail::encode_npy("<f4", shape, std::as_bytes(std::span<const float>(w.values))));
  });
  write_npz(path, members, how);
}

}  // namespace tshape
