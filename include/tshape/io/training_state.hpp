// A trainer's whole state in one .npz archive, to resume training where it stopped: the model's
// weights (named as save_weights names them, "dense/kernel"), each optimizer slot's arrays
// ("optimizer/slot0/dense/kernel"), and the optimizer's iteration count ("optimizer/iterations", an
// int64 scalar), which Adam's bias correction depends on, and the optimizer's Keras name
// ("optimizer/name", its bytes as uint8), so that one optimizer's slots never load into another's.
//
//   save_training_state(trainer, "checkpoint.npz");
//   ... later, with a trainer of the same model, loss and optimizer type:
//   load_training_state(trainer, "checkpoint.npz");   // every array checked; nothing written on a misfit
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "../model/weights.hpp"
#include "../train/trainer.hpp"
#include "npz.hpp"

namespace tshape {

namespace detail {
/// Every array of a trainer's state: (name, weight_ref), weights first, then the slots.
template <class Trainer>
std::vector<std::pair<std::string, weight_ref>> state_arrays(Trainer& t) {
  std::vector<std::pair<std::string, weight_ref>> out;
  for_each_weight(t.model(), [&](const weight_ref& w) { out.emplace_back(std::string(w.name.view()), w); });
  for (int k = 0; k < Trainer::optimizer_type::slots; ++k)
    for_each_weight(t.slot(k), [&](const weight_ref& w) {
      out.emplace_back("optimizer/slot" + std::to_string(k) + "/" + std::string(w.name.view()), w);
    });
  return out;
}

/// The optimizer's Keras name ("Adam"), empty for an optimizer that has none.
template <class Opt>
constexpr std::string_view optimizer_name() {
  if constexpr (requires { Opt::keras_name; })
    return Opt::keras_name;
  else
    return {};
}
}  // namespace detail

/// Writes the model's weights, the optimizer's slots and its iteration count to an .npz archive.
template <class Trainer>
void save_training_state(Trainer& t, const std::string& path) {
  std::vector<std::pair<std::string, std::vector<std::byte>>> members;
  for (const auto& [name, w] : detail::state_arrays(t)) {
    std::vector<long long> shape(w.shape().begin(), w.shape().end());
    members.emplace_back(name, detail::encode_npy("<f4", shape, std::as_bytes(std::span<const float>(w.values))));
  }
  const std::int64_t iterations = t.iterations();
  members.emplace_back("optimizer/iterations",
                       detail::encode_npy("<i8", std::span<const long long>{},
                                          std::as_bytes(std::span<const std::int64_t>(&iterations, 1))));
  constexpr std::string_view name = detail::optimizer_name<typename Trainer::optimizer_type>();
  const std::array<long long, 1> name_shape{static_cast<long long>(name.size())};
  members.emplace_back("optimizer/name", detail::encode_npy("|u1", name_shape, std::as_bytes(std::span(name))));
  write_npz(path, members);
}

/// Restores what save_training_state wrote; the first misfit is returned and nothing is written.
template <class Trainer>
result<void> try_load_training_state(Trainer& t, const std::string& path) {
  auto archive = try_read_npz(path);
  if (!archive) return archive.error();
  // The array of a name (the last one, should a name repeat), or null. A search, not a std::map: an
  // archive holds a few arrays per layer, and <map> is a header every program would pay for.
  const auto by_name = [&](const std::string& name) -> const npy_array* {
    const auto& members = archive.value();
    for (auto m = members.rbegin(); m != members.rend(); ++m)
      if (m->name == name) return &m->array;
    return nullptr;
  };
  // A state of another optimizer: its name (files written before the name was saved have none).
  constexpr std::string_view expected_name = detail::optimizer_name<typename Trainer::optimizer_type>();
  if (const npy_array* n = by_name("optimizer/name")) {
    const std::string_view saved(reinterpret_cast<const char*>(n->data.data()), n->data.size());
    if (n->dtype != "|u1" || saved != expected_name)
      return make_error(errc::weights_mismatch, path + ": a state of the optimizer " + std::string(saved) +
                                                    ", not of " + std::string(expected_name));
  }
  const auto targets = detail::state_arrays(t);
  // Every array of the archive has its place: one more is a state of another model or optimizer.
  for (const auto& m : archive.value()) {
    const bool known = m.name == "optimizer/iterations" || m.name == "optimizer/name" ||
                       std::any_of(targets.begin(), targets.end(), [&](const auto& tw) { return tw.first == m.name; });
    if (!known)
      return make_error(errc::weights_mismatch,
                        path + ": an array " + m.name + " this trainer does not have (a state of another model or optimizer?)");
  }
  for (const auto& [name, w] : targets) {
    const npy_array* found = by_name(name);
    if (!found)
      return make_error(errc::weights_mismatch, path + ": no array " + name + " (a state of another model or optimizer?)");
    const npy_array& a = *found;
    if (a.dtype != "<f4") return make_error(errc::weights_mismatch, path + ": " + name + " is not float32");
    std::vector<int> got(a.shape.begin(), a.shape.end());
    const auto v = check_extents(got, w.shape());
    if (v.code != errc::ok)
      return make_error(errc::weights_mismatch, path + ": " + name + ": " + detail::extents_words(got, w.shape()));
  }
  const npy_array* iterations_array = by_name("optimizer/iterations");
  if (!iterations_array || iterations_array->dtype != "<i8" || iterations_array->data.size() != sizeof(std::int64_t))
    return make_error(errc::bad_data, path + ": no int64 optimizer/iterations");
  std::int64_t iterations = 0;
  std::memcpy(&iterations, iterations_array->data.data(), sizeof iterations);
  if (iterations < 0) return make_error(errc::bad_data, path + ": optimizer/iterations is negative");
  for (const auto& [name, w] : targets)
    std::memcpy(w.values.data(), by_name(name)->data.data(), w.values.size() * sizeof(float));
  t.set_iterations(iterations);
  return {};
}

/// As try_load_training_state, but a misfit raises.
template <class Trainer>
void load_training_state(Trainer& t, const std::string& path) {
  try_load_training_state(t, path).value();
}

}  // namespace tshape
