// Keras' metrics, accumulated over every sample of an epoch (tf.keras 2's stateful metrics): what
// fit and evaluate report beside the loss.
//
//   fit(net, x, y, SparseCategoricalCrossentropy{}, Adam{}, {.epochs = 5}, metrics<SparseCategoricalAccuracy>);
//   fit(net, x, y, BinaryCrossentropy{}, Adam{}, {}, BinaryAccuracy{.threshold = 0.7});  // with options
//
//   Accuracy                   "accuracy": Keras' 'accuracy' string, resolved from the shapes as Keras
//                              does: a prediction with a last axis of 1 -> binary; class indices as
//                              targets (one per row) -> sparse categorical; else categorical
//   BinaryAccuracy             "binary_accuracy": (p > threshold) == t, threshold 0.5
//   CategoricalAccuracy        "categorical_accuracy": argmax(p) == argmax(t)
//   SparseCategoricalAccuracy  "sparse_categorical_accuracy": argmax(p) == t
//   MeanAbsoluteErrorMetric    "mean_absolute_error" (tshape::MeanAbsoluteError is the loss)
//   MeanSquaredErrorMetric     "mean_squared_error"  (tshape::MeanSquaredError is the loss)
//
// A metric is a small struct: name, reset(), update(prediction, targets, rows, cols, targets_per_row)
// and result(). The prediction is `rows` rows of `cols` (the model's last axis); the targets give
// `cols` values per row, or one (class indices). A user's own metric with these members works too.
// Nothing here allocates.
#pragma once
#include <cmath>
#include <concepts>
#include <cstddef>
#include <string_view>

#include "../diagnostics/error.hpp"
#include "../diagnostics/runtime.hpp"
#include "../shape/text.hpp"

namespace tshape {

namespace detail {
/// A running mean over samples (Keras' MeanMetricWrapper: a total and a count).
struct metric_mean {
  double total = 0.0;
  double count = 0.0;
  void reset() { total = count = 0.0; }
  double result() const { return count > 0.0 ? total / count : 0.0; }
};

inline std::ptrdiff_t argmax_row(const float* p, std::ptrdiff_t cols) {
  std::ptrdiff_t best = 0;  // the first of equal maxima, as tf.argmax
  for (std::ptrdiff_t c = 1; c < cols; ++c)
    if (p[c] > p[best]) best = c;
  return best;
}
template <class T>
std::ptrdiff_t argmax_row(const T* t, std::ptrdiff_t cols) {
  std::ptrdiff_t best = 0;
  for (std::ptrdiff_t c = 1; c < cols; ++c)
    if (t[c] > t[best]) best = c;
  return best;
}

/// A metric that compares element by element needs the prediction's layout in the targets.
inline void require_dense_targets(std::string_view metric, std::ptrdiff_t cols, std::ptrdiff_t targets_per_row) {
  if (targets_per_row == cols) return;
  static_text<160> d("metric ");
  d.append(metric).append(" needs targets of the prediction's shape (").append(static_cast<long long>(cols));
  d.append(" per row), not ").append(static_cast<long long>(targets_per_row));
  raise(make_error(errc::loss_target_mismatch, d.view()));
}

template <class T>
void binary_accuracy_update(metric_mean& m, double threshold, const float* p, const T* t, std::ptrdiff_t rows,
                            std::ptrdiff_t cols) {
  std::ptrdiff_t hits = 0;
  for (std::ptrdiff_t i = 0; i < rows * cols; ++i)
    hits += static_cast<double>(t[i]) == (p[i] > threshold ? 1.0 : 0.0) ? 1 : 0;
  m.total += static_cast<double>(hits) / static_cast<double>(cols);
  m.count += static_cast<double>(rows);
}
template <class T>
void categorical_accuracy_update(metric_mean& m, const float* p, const T* t, std::ptrdiff_t rows, std::ptrdiff_t cols) {
  for (std::ptrdiff_t r = 0; r < rows; ++r) m.total += argmax_row(p + r * cols, cols) == argmax_row(t + r * cols, cols);
  m.count += static_cast<double>(rows);
}
template <class T>
void sparse_accuracy_update(metric_mean& m, const float* p, const T* t, std::ptrdiff_t rows, std::ptrdiff_t cols) {
  for (std::ptrdiff_t r = 0; r < rows; ++r)
    m.total += static_cast<double>(argmax_row(p + r * cols, cols)) == static_cast<double>(t[r]);
  m.count += static_cast<double>(rows);
}
}  // namespace detail

/// "binary_accuracy": the share of elements where (p > threshold) equals the target.
struct BinaryAccuracy {
  static constexpr std::string_view name = "binary_accuracy";
  double threshold = 0.5;
  detail::metric_mean state{};
  void reset() { state.reset(); }
  double result() const { return state.result(); }
  template <class T>
  void update(const float* p, const T* t, std::ptrdiff_t rows, std::ptrdiff_t cols, std::ptrdiff_t targets_per_row) {
    detail::require_dense_targets(name, cols, targets_per_row);
    detail::binary_accuracy_update(state, threshold, p, t, rows, cols);
  }
};

/// "categorical_accuracy": the share of rows whose largest prediction is the target's largest value.
struct CategoricalAccuracy {
  static constexpr std::string_view name = "categorical_accuracy";
  detail::metric_mean state{};
  void reset() { state.reset(); }
  double result() const { return state.result(); }
  template <class T>
  void update(const float* p, const T* t, std::ptrdiff_t rows, std::ptrdiff_t cols, std::ptrdiff_t targets_per_row) {
    detail::require_dense_targets(name, cols, targets_per_row);
    detail::categorical_accuracy_update(state, p, t, rows, cols);
  }
};

/// "sparse_categorical_accuracy": the share of rows whose largest prediction is at the class index.
struct SparseCategoricalAccuracy {
  static constexpr std::string_view name = "sparse_categorical_accuracy";
  detail::metric_mean state{};
  void reset() { state.reset(); }
  double result() const { return state.result(); }
  template <class T>
  void update(const float* p, const T* t, std::ptrdiff_t rows, std::ptrdiff_t cols, std::ptrdiff_t targets_per_row) {
    if (targets_per_row != 1) {
      static_text<160> d("metric sparse_categorical_accuracy needs one class index per row, not ");
      d.append(static_cast<long long>(targets_per_row));
      raise(make_error(errc::loss_target_mismatch, d.view()));
    }
    detail::sparse_accuracy_update(state, p, t, rows, cols);
  }
};

/// "accuracy": Keras' 'accuracy' string. Which accuracy it is follows from the shapes, as Keras'
/// compile() decides: binary for a last axis of 1, sparse for one class index per row, else categorical.
struct Accuracy {
  static constexpr std::string_view name = "accuracy";
  double threshold = 0.5;  // of the binary case
  detail::metric_mean state{};
  void reset() { state.reset(); }
  double result() const { return state.result(); }
  template <class T>
  void update(const float* p, const T* t, std::ptrdiff_t rows, std::ptrdiff_t cols, std::ptrdiff_t targets_per_row) {
    if (cols == 1)
      detail::binary_accuracy_update(state, threshold, p, t, rows, cols);
    else if (targets_per_row == 1)
      detail::sparse_accuracy_update(state, p, t, rows, cols);
    else
      detail::categorical_accuracy_update(state, p, t, rows, cols);
  }
};

/// "mean_absolute_error" as a metric: mean |p - t| over the last axis, then over the samples.
struct MeanAbsoluteErrorMetric {
  static constexpr std::string_view name = "mean_absolute_error";
  detail::metric_mean state{};
  void reset() { state.reset(); }
  double result() const { return state.result(); }
  template <class T>
  void update(const float* p, const T* t, std::ptrdiff_t rows, std::ptrdiff_t cols, std::ptrdiff_t targets_per_row) {
    detail::require_dense_targets(name, cols, targets_per_row);
    double sum = 0.0;
    for (std::ptrdiff_t i = 0; i < rows * cols; ++i) sum += std::fabs(static_cast<double>(p[i]) - static_cast<double>(t[i]));
    state.total += sum / static_cast<double>(cols);
    state.count += static_cast<double>(rows);
  }
};

/// "mean_squared_error" as a metric: mean (p - t)^2 over the last axis, then over the samples.
struct MeanSquaredErrorMetric {
  static constexpr std::string_view name = "mean_squared_error";
  detail::metric_mean state{};
  void reset() { state.reset(); }
  double result() const { return state.result(); }
  template <class T>
  void update(const float* p, const T* t, std::ptrdiff_t rows, std::ptrdiff_t cols, std::ptrdiff_t targets_per_row) {
    detail::require_dense_targets(name, cols, targets_per_row);
    double sum = 0.0;
    for (std::ptrdiff_t i = 0; i < rows * cols; ++i) {
      const double e = static_cast<double>(p[i]) - static_cast<double>(t[i]);
      sum += e * e;
    }
    state.total += sum / static_cast<double>(cols);
    state.count += static_cast<double>(rows);
  }
};

/// What fit and evaluate take as a metric: a name, reset(), result() (update is checked where it is called).
template <class M>
concept metric = requires(M m, const M cm) {
  { M::name } -> std::convertible_to<std::string_view>;
  m.reset();
  { cm.result() } -> std::convertible_to<double>;
};

/// A list of metrics by type, each default-constructed: `metrics<SparseCategoricalAccuracy>`.
template <class... M>
struct metric_list {
  static_assert((metric<M> && ...), "tshape: metrics<...> takes metric types (Accuracy, BinaryAccuracy, ...)");
};
template <class... M>
inline constexpr metric_list<M...> metrics{};

}  // namespace tshape
