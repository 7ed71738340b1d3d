// What fit returns, and what callbacks see: Keras' logs dict and History.
//
//   auto history = fit(...);
//   history["loss"];        // std::vector<double>, one value per epoch run
//   history["val_accuracy"];
//   history.keys;           // Keras' order: "loss", the metrics, "val_loss", the val_ metrics, then
//                           // what callbacks added ("lr" from ReduceLROnPlateau, LearningRateScheduler)
//   history.epoch;          // the epochs run, counted from 0 as Keras' history.epoch
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../diagnostics/error.hpp"
#include "../diagnostics/runtime.hpp"
#include "../shape/text.hpp"

namespace tshape {

namespace detail {
[[noreturn]] inline void raise_unknown_key(std::string_view where, std::string_view key) {
  static_text<200> d(where);
  d.append(" has no value named \"").append(key).append("\"");
  raise(make_error(errc::invalid_argument, d.view()));
}
}  // namespace detail

/// Named values in the order they were first set (Keras' logs dict, e.g. {"loss": 0.31, "accuracy": 0.9}).
class Logs {
 public:
  /// Sets `key` to v, keeping the key's place if it is already there.
  void set(std::string_view key, double v) {
    for (auto& [k, value] : items_)
      if (k == key) {
        value = v;
        return;
      }
    items_.emplace_back(std::string(key), v);
  }
  /// The value of `key`, or null.
  const double* find(std::string_view key) const {
    for (const auto& [k, value] : items_)
      if (k == key) return &value;
    return nullptr;
  }
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  /// The value of `key` (raises when there is none).
  double operator[](std::string_view key) const {
    if (const double* v = find(key)) return *v;
    detail::raise_unknown_key("the logs", key);
  }
  std::size_t size() const { return items_.size(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  void clear() { items_.clear(); }

 private:
  std::vector<std::pair<std::string, double>> items_;
};

/// Keras' History: per-epoch values by name.
struct History {
  std::vector<std::string> keys;             // in Keras' order
  std::vector<std::vector<double>> values;   // values[i]: keys[i] at every epoch run
  std::vector<int> epoch;                    // the epochs run, from 0

  int epochs() const { return static_cast<int>(epoch.size()); }
  bool contains(std::string_view key) const { return index(key) >= 0; }
  /// The values of `key`, one per epoch run (raises for a key it does not have).
  const std::vector<double>& operator[](std::string_view key) const {
    const int i = index(key);
    if (i < 0) detail::raise_unknown_key("the history", key);
    return values[static_cast<std::size_t>(i)];
  }

  /// Records an epoch's logs (Keras' History.on_epoch_end).
  void append(int epoch_index, const Logs& logs) {
    epoch.push_back(epoch_index);
    for (const auto& [k, v] : logs) {
      int i = index(k);
      if (i < 0) {
        keys.push_back(k);
        values.emplace_back();
        i = static_cast<int>(keys.size()) - 1;
      }
      values[static_cast<std::size_t>(i)].push_back(v);
    }
  }

 private:
  int index(std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return static_cast<int>(i);
    return -1;
  }
};

}  // namespace tshape
