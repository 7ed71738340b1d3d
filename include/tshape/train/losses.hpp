// Keras' losses, with the rule that matters most to users: the target must have the prediction's
// shape. A CNN whose output is still (32, 5, 5, 1) does not compile against (32, 1) labels (seed 002);
// Keras only fails when training starts.
//
//   float l = loss<BinaryCrossentropy>(y_pred, y_true);   // Keras' "sum_over_batch_size" reduction
//
// Targets as Keras aligns them: the same shape as the prediction, or (N,) against (N, 1). Sparse
// categorical targets are class indices: the prediction's shape without its last axis (or with a
// last axis of 1). Values follow tf.keras 2.x on probabilities (clipped to [1e-7, 1 - 1e-7]).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../diagnostics/error.hpp"
#include "../diagnostics/runtime.hpp"
#include "../diagnostics/shape_rules.hpp"
#include "../shape/text.hpp"
#include "../tensor/tensor.hpp"

namespace tshape {

namespace detail {
inline constexpr double keras_epsilon = 1e-7;

/// How the target lines up with the prediction: as it is, or with the prediction's last axis of 1.
enum class target_alignment { same, dense_labels_without_last_axis, class_indices };

template <class P, class T, target_alignment A>
constexpr bool target_fits() {
  if constexpr (A == target_alignment::class_indices) {
    // (N, ..., C) against (N, ...) or (N, ..., 1)
    if constexpr (T::rank == P::rank - 1)
      return compatible_v<T, slice_t<P, 0, P::rank - 1>>;
    else if constexpr (T::rank == P::rank)
      return compatible_v<T, replace_extent_t<P, -1, 1>>;
    else
      return false;
  } else {
    if constexpr (T::rank == P::rank)
      return compatible_v<T, P>;
    else if constexpr (T::rank + 1 == P::rank)  // (N,) against (N, 1)
      return (P::extents[P::rank - 1] == 1 || P::extents[P::rank - 1] == dyn) && compatible_v<T, slice_t<P, 0, T::rank>>;
    else
      return false;
  }
}

template <class Loss, class P, class T>
using loss_diagnosis = std::conditional_t<
    target_fits<P, T, Loss::alignment>(), void,
    error::LOSS_TARGET_MISMATCH<error::in_loss<Loss>, typename error::detail::got_shape<P, 0>::model_output,
                                typename error::detail::got_shape<T, 0>::loss_target>>;
}  // namespace detail

/// mean((p - t)^2) over the last axis, then over the rest.
struct MeanSquaredError {
  static constexpr std::string_view keras_name = "mean_squared_error";
  static constexpr auto alignment = detail::target_alignment::same;
  static double element(double p, double t) { return (p - t) * (p - t); }
};

/// mean(|p - t|) over the last axis, then over the rest.
struct MeanAbsoluteError {
  static constexpr std::string_view keras_name = "mean_absolute_error";
  static constexpr auto alignment = detail::target_alignment::same;
  static double element(double p, double t) { return std::fabs(p - t); }
};

/// Binary cross-entropy on probabilities: -(t log p + (1 - t) log(1 - p)), p clipped, as tf.keras 2.
struct BinaryCrossentropy {
  static constexpr std::string_view keras_name = "binary_crossentropy";
  static constexpr auto alignment = detail::target_alignment::same;
  static double element(double p, double t) {
    const float pc = std::clamp(static_cast<float>(p), static_cast<float>(detail::keras_epsilon),
                                1.0f - static_cast<float>(detail::keras_epsilon));
    return -(t * std::log(pc + detail::keras_epsilon) + (1.0 - t) * std::log(1.0 - pc + detail::keras_epsilon));
  }
};

/// Categorical cross-entropy on probabilities with one-hot (or soft) targets along the last axis.
struct CategoricalCrossentropy {
  static constexpr std::string_view keras_name = "categorical_crossentropy";
  static constexpr auto alignment = detail::target_alignment::same;
};

/// Categorical cross-entropy with integer class indices as targets.
struct SparseCategoricalCrossentropy {
  static constexpr std::string_view keras_name = "sparse_categorical_crossentropy";
  static constexpr auto alignment = detail::target_alignment::class_indices;
};

namespace detail {
// The loss of prediction rows (rows x cols) against targets, with Keras' reduction: a mean over the
// last axis (or the cross-entropy sum over classes), then a mean over the rows.
template <class Loss>
double reduce_loss(const float* p, const float* t, std::ptrdiff_t rows, std::ptrdiff_t cols) {
  if (rows == 0) return 0.0;
  const float lo = static_cast<float>(keras_epsilon), hi = 1.0f - static_cast<float>(keras_epsilon);
  double total = 0.0;
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    const float* pr = p + r * cols;
    double row = 0.0;
    if constexpr (std::is_same_v<Loss, CategoricalCrossentropy>) {
      // Keras rescales the probabilities to sum to one, clips, and sums -t log p over the classes.
      double s = 0.0;
      for (std::ptrdiff_t j = 0; j < cols; ++j) s += pr[j];
      for (std::ptrdiff_t j = 0; j < cols; ++j)
        row -= t[r * cols + j] * std::log(std::clamp(static_cast<float>(pr[j] / s), lo, hi));
    } else if constexpr (std::is_same_v<Loss, SparseCategoricalCrossentropy>) {
      const auto label = static_cast<std::ptrdiff_t>(t[r]);
      if (label < 0 || label >= cols || static_cast<float>(label) != t[r]) {
        static_text<96> d("a class index is ");
        d.append(static_cast<long long>(t[r])).append(", outside [0, ").append(static_cast<long long>(cols)).append(")");
        raise(make_error(errc::bad_data, d.view()));
      }
      double s = 0.0;
      for (std::ptrdiff_t j = 0; j < cols; ++j) s += std::clamp(pr[j], lo, hi);
      row = -std::log(std::clamp(pr[label], lo, hi)) + std::log(s);
    } else {
      for (std::ptrdiff_t j = 0; j < cols; ++j) row += Loss::element(pr[j], t[r * cols + j]);
      row /= static_cast<double>(cols);
    }
    total += row;
  }
  return total / static_cast<double>(rows);
}
}  // namespace detail

/// Keras' loss of predictions `y_pred` against targets `y_true` (tensors or views, batch first),
/// reduced as Keras' default "sum_over_batch_size". Shapes are checked at compile time where static.
template <class Loss, class P, class T>
  requires is_tensor<P>::value && is_tensor<T>::value
float loss(const P& y_pred, const T& y_true) {
  using PS = typename P::shape;
  using TS = typename T::shape;
  using D = detail::loss_diagnosis<Loss, PS, TS>;
  static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, D>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
  if constexpr (std::is_void_v<D>) {
    const TensorView<const float, PS> p = y_pred;
    const auto pe = p.extents();
    const auto te = TensorView<const typename T::value_type, TS>(y_true).extents();
    // The same rule at run time, for dyn extents.
    bool fits = true;
    if constexpr (Loss::alignment == detail::target_alignment::class_indices) {
      for (int i = 0; i < PS::rank - 1; ++i) fits = fits && te[i] == pe[i];
      if constexpr (TS::rank == PS::rank) fits = fits && te[TS::rank - 1] == 1;
    } else {
      for (int i = 0; i < TS::rank; ++i) fits = fits && te[i] == pe[i];
      if constexpr (TS::rank + 1 == PS::rank) fits = fits && pe[PS::rank - 1] == 1;
    }
    if (!fits) {
      static_text<200> d("in loss ");
      d.append(Loss::keras_name).append(": model output ").append(extents_text(pe).view());
      d.append(", target ").append(extents_text(te).view());
      raise(make_error(errc::loss_target_mismatch, d.view()));
    }
    const std::ptrdiff_t cols = PS::rank > 0 ? pe[PS::rank - 1] : 1;
    const std::ptrdiff_t rows = cols > 0 ? p.size() / cols : 0;
    // Targets as floats in the prediction's row layout (class indices: one per row).
    const TensorView<const typename T::value_type, TS> tv = y_true;
    if constexpr (std::is_same_v<typename T::value_type, float>) {
      return static_cast<float>(detail::reduce_loss<Loss>(p.data(), tv.data(), rows, cols));
    } else {
      auto tf = Tensor<float, Shape<dyn>>(static_cast<int>(tv.size()));
      std::transform(tv.begin(), tv.end(), tf.begin(), [](auto v) { return static_cast<float>(v); });
      return static_cast<float>(detail::reduce_loss<Loss>(p.data(), tf.data(), rows, cols));
    }
  } else {
    return 0.0f;
  }
}

}  // namespace tshape
