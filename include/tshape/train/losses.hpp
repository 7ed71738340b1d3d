// Keras' losses, with the rule that matters most to users: the target must have the prediction's
// shape. A CNN whose output is still (32, 5, 5, 1) does not compile against (32, 1) labels (seed 002);
// Keras only fails when training starts.
//
//   float l = loss<BinaryCrossentropy>(y_pred, y_true);   // Keras' "sum_over_batch_size" reduction
//
// Every loss also gives its gradient (detail::reduce_loss), which train/trainer.hpp uses.
//
// Targets as Keras aligns them: the same shape as the prediction, or (N,) against (N, 1). Sparse
// categorical targets are class indices: the prediction's shape without its last axis (or with a
// last axis of 1), and integers: a float target does not compile. Values follow tf.keras 2.x on
// probabilities (clipped to [1e-7, 1 - 1e-7]).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "../diagnostics/error.hpp"
#include "../diagnostics/runtime.hpp"
#include "../diagnostics/shape_rules.hpp"
#include "../shape/text.hpp"
#include "../tensor/tensor.hpp"

namespace tshape {

struct CategoricalCrossentropy;
struct SparseCategoricalCrossentropy;

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

/// Seed 002's mistake: an output of (N, 5, 5, 1) against labels of (N,) or (N, 1). Only then is
/// "put GlobalAveragePooling2D or Flatten before the last Dense" the fix.
template <class P, class T>
inline constexpr bool output_keeps_spatial_axes = P::rank >= 3 && T::rank <= 2;

template <class P, class T, class... Details>
using loss_target_error =
    std::conditional_t<output_keeps_spatial_axes<P, T>, error::OUTPUT_KEEPS_SPATIAL_AXES<Details...>,
                       error::LOSS_TARGET_MISMATCH<Details...>>;

/// A sparse loss given targets of the output's own shape: one-hot rows, which the one-hot loss reads.
template <class Loss, class P, class T>
inline constexpr bool one_hot_for_sparse_loss = Loss::alignment == target_alignment::class_indices &&
                                                T::rank == P::rank && compatible_v<T, P> &&
                                                !target_fits<P, T, Loss::alignment>();

template <class Loss, class P, class T>
using loss_diagnosis =
    std::conditional_t<target_fits<P, T, Loss::alignment>(), void,
                       loss_target_error<P, T, error::in_loss<Loss>,
                                         typename error::detail::got_shape<P, 0>::model_output,
                                         typename error::detail::got_shape<T, 0>::loss_target>>;

/// The diagnosis of a loss on predictions of shape P against targets of element type Target and
/// shape T (void when they fit). One-hot rows for a sparse loss first (whatever their type, the fix
/// is the one-hot loss); then the element type: a sparse loss's targets are integer class indices
/// (a float label such as 2.9999 would name a class only by the accident of a cast), the others'
/// are floats (integer labels for CategoricalCrossentropy are the sparse loss's class indices);
/// then the shapes.
template <class Loss, class P, class Target, class T>
using loss_rule = std::conditional_t<
    one_hot_for_sparse_loss<Loss, P, T>,
    error::LOSS_TARGET_MISMATCH<
        error::in_loss<Loss>, typename error::detail::got_shape<P, 0>::model_output,
        typename error::detail::got_shape<T, 0>::loss_target,
        error::expected_class_indices<typename error::detail::got_shape<slice_t<P, 0, P::rank - 1>, 0>::loss_target>,
        error::fix_with_loss<CategoricalCrossentropy>>,
    std::conditional_t<
        Loss::alignment == target_alignment::class_indices && !std::is_integral_v<Target>,
        error::TARGET_DTYPE_MISMATCH<error::in_loss<Loss>, error::expected_dtype<int>, error::but_got_dtype<Target>,
                                     error::fix_with_cast<int>>,
        std::conditional_t<
            Loss::alignment != target_alignment::class_indices && !std::is_same_v<Target, float>,
            error::TARGET_DTYPE_MISMATCH<error::in_loss<Loss>, error::expected_dtype<float>, error::but_got_dtype<Target>,
                                         std::conditional_t<std::is_same_v<Loss, CategoricalCrossentropy> &&
                                                                std::is_integral_v<Target>,
                                                            error::fix_with_loss<SparseCategoricalCrossentropy>,
                                                            error::fix_with_cast<float>>>,
            loss_diagnosis<Loss, P, T>>>>;
}  // namespace detail

/// One loss per output of a model of several outputs, and Keras' loss_weights (1 each by default):
/// the step minimises the weighted sum, as Keras' compile(loss=[...], loss_weights=[...]).
///   make_trainer(net, losses{SparseCategoricalCrossentropy{}, MeanSquaredError{}}.weighted({1.0f, 0.5f}), Adam{})
/// A single loss given to a model of several outputs applies to each of them, as in Keras.
template <class... L>
struct losses {
  std::tuple<L...> each;
  std::array<float, sizeof...(L)> weights;
  constexpr explicit losses(L... l) : each(l...) { weights.fill(1.0f); }
  constexpr losses weighted(const std::array<float, sizeof...(L)>& w) const {
    losses out = *this;
    out.weights = w;
    return out;
  }
};

namespace detail {
/// The losses in a losses<...> (0 for a single loss, which applies to every output).
template <class T>
struct loss_count : std::integral_constant<std::size_t, 0> {};
template <class... L>
struct loss_count<losses<L...>> : std::integral_constant<std::size_t, sizeof...(L)> {};
/// Output J's loss type: its own in a losses<...>, else the one loss for every output.
template <class Loss, std::size_t J>
struct loss_at {
  using type = Loss;
  static const Loss& get(const Loss& l) { return l; }
  static float weight(const Loss&) { return 1.0f; }
};
template <class... L, std::size_t J>
struct loss_at<losses<L...>, J> {
  using type = std::tuple_element_t<J, std::tuple<L...>>;
  static const type& get(const losses<L...>& l) { return std::get<J>(l.each); }
  static float weight(const losses<L...>& l) { return l.weights[J]; }
};
}  // namespace detail

/// mean((p - t)^2) over the last axis, then over the rest.
struct MeanSquaredError {
  static constexpr std::string_view keras_name = "mean_squared_error";
  static constexpr auto alignment = detail::target_alignment::same;
  double element(double p, double t) const { return (p - t) * (p - t); }
  double element_grad(double p, double t) const { return 2.0 * (p - t); }
};

/// mean(|p - t|) over the last axis, then over the rest.
struct MeanAbsoluteError {
  static constexpr std::string_view keras_name = "mean_absolute_error";
  static constexpr auto alignment = detail::target_alignment::same;
  double element(double p, double t) const { return std::fabs(p - t); }
  double element_grad(double p, double t) const { return p > t ? 1.0 : (p < t ? -1.0 : 0.0); }
};

/// Keras' Huber: 0.5 e^2 where |e| <= delta, else delta * |e| - 0.5 delta^2; mean over the last axis.
struct Huber {
  static constexpr std::string_view keras_name = "huber_loss";
  static constexpr auto alignment = detail::target_alignment::same;
  double delta = 1.0;
  double element(double p, double t) const {
    const double e = std::fabs(p - t);
    return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
  }
  double element_grad(double p, double t) const {
    const double e = p - t;
    return std::fabs(e) <= delta ? e : (e > 0 ? delta : -delta);
  }
};

/// Binary cross-entropy: on probabilities -(t log p + (1 - t) log(1 - p)), p clipped, as tf.keras 2;
/// with from_logits, on logits z: max(z, 0) - z t + log(1 + exp(-|z|)).
struct BinaryCrossentropy {
  static constexpr std::string_view keras_name = "binary_crossentropy";
  static constexpr auto alignment = detail::target_alignment::same;
  bool from_logits = false;
  static float clip(double p) {
    return std::clamp(static_cast<float>(p), static_cast<float>(detail::keras_epsilon),
                      1.0f - static_cast<float>(detail::keras_epsilon));
  }
  static bool clipped(double p) { return static_cast<float>(p) != clip(p); }
  double element(double p, double t) const {
    if (from_logits) return logits_element(p, t);
    const float pc = clip(p);
    return -(t * std::log(pc + detail::keras_epsilon) + (1.0 - t) * std::log(1.0 - pc + detail::keras_epsilon));
  }
  double element_grad(double p, double t) const {
    if (from_logits) return logits_grad(p, t);
    if (clipped(p)) return 0.0;  // clip's gradient, as TensorFlow's
    const double pc = clip(p);
    return -(t / (pc + detail::keras_epsilon) - (1.0 - t) / (1.0 - pc + detail::keras_epsilon));
  }
  static double logits_element(double z, double t) { return std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z))); }
  static double logits_grad(double z, double t) {
    const double s = z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
    return s - t;
  }
};

/// Categorical cross-entropy with one-hot (or soft) targets along the last axis: on probabilities
/// (rescaled to sum to 1, then clipped, as tf.keras 2), or with from_logits on logits.
struct CategoricalCrossentropy {
  static constexpr std::string_view keras_name = "categorical_crossentropy";
  static constexpr auto alignment = detail::target_alignment::same;
  bool from_logits = false;
};

/// Categorical cross-entropy with integer class indices as targets (on probabilities, or from_logits).
struct SparseCategoricalCrossentropy {
  static constexpr std::string_view keras_name = "sparse_categorical_crossentropy";
  static constexpr auto alignment = detail::target_alignment::class_indices;
  bool from_logits = false;
};

template <class L>
inline constexpr bool is_cross_entropy_v =
    std::is_same_v<L, BinaryCrossentropy> || std::is_same_v<L, CategoricalCrossentropy> ||
    std::is_same_v<L, SparseCategoricalCrossentropy>;

namespace detail {

template <class Target>
std::ptrdiff_t class_index(Target t, std::ptrdiff_t cols) {
  const auto label = static_cast<std::ptrdiff_t>(t);
  if (label < 0 || label >= cols || static_cast<double>(label) != static_cast<double>(t)) {
    static_text<96> d("a class index is ");
    d.append(static_cast<long long>(t)).append(", outside [0, ").append(static_cast<long long>(cols)).append(")");
    raise(make_error(errc::class_index_out_of_range, d.view()));
  }
  return label;
}

/// log(sum(exp(z))) of one row, without overflow.
inline double log_sum_exp(const float* z, std::ptrdiff_t cols) {
  double m = z[0];
  for (std::ptrdiff_t j = 1; j < cols; ++j) m = std::max(m, static_cast<double>(z[j]));
  double s = 0.0;
  for (std::ptrdiff_t j = 0; j < cols; ++j) s += std::exp(z[j] - m);
  return m + std::log(s);
}

// The loss of prediction rows (rows x cols) against targets, with Keras' reduction: a mean over the
// last axis (or the cross-entropy sum over classes), then a mean over the rows. With `logits`, p are
// the logits (from_logits, or Keras' cached pre-activation of a Softmax or Sigmoid output). With
// `grad`, also writes dL/dp (dL/dlogits) of that mean, rows x cols.
template <class Loss, class Target>
double reduce_loss(const Loss& loss, const float* p, const Target* t, std::ptrdiff_t rows, std::ptrdiff_t cols,
                   bool logits = false, float* grad = nullptr) {
  if (rows == 0) return 0.0;
  const float lo = static_cast<float>(keras_epsilon), hi = 1.0f - static_cast<float>(keras_epsilon);
  const double inv_rows = 1.0 / static_cast<double>(rows);
  double total = 0.0;
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    const float* pr = p + r * cols;
    float* gr = grad ? grad + r * cols : nullptr;
    double row = 0.0;
    if constexpr (std::is_same_v<Loss, CategoricalCrossentropy> || std::is_same_v<Loss, SparseCategoricalCrossentropy>) {
      constexpr bool sparse = std::is_same_v<Loss, SparseCategoricalCrossentropy>;
      const std::ptrdiff_t label = sparse ? class_index(t[r], cols) : 0;
      auto target = [&](std::ptrdiff_t j) -> double {
        if constexpr (sparse)
          return j == label ? 1.0 : 0.0;
        else
          return static_cast<double>(t[r * cols + j]);
      };
      if (logits) {
        // -sum t log softmax(z); gradient softmax(z) * sum(t) - t.
        const double lse = log_sum_exp(pr, cols);
        double tsum = 0.0;
        for (std::ptrdiff_t j = 0; j < cols; ++j) {
          row -= target(j) * (pr[j] - lse);
          tsum += target(j);
        }
        if (gr)
          for (std::ptrdiff_t j = 0; j < cols; ++j)
            gr[j] = static_cast<float>((std::exp(pr[j] - lse) * tsum - target(j)) * inv_rows);
      } else if constexpr (sparse) {
        // tf.keras 2: clip, log, then the softmax cross-entropy of those logs: -log p_y + log sum p.
        double s = 0.0;
        for (std::ptrdiff_t j = 0; j < cols; ++j) s += std::clamp(pr[j], lo, hi);
        row = -std::log(std::clamp(pr[label], lo, hi)) + std::log(s);
        if (gr)
          for (std::ptrdiff_t j = 0; j < cols; ++j) {
            const float c = std::clamp(pr[j], lo, hi);
            gr[j] = c != pr[j] ? 0.0f : static_cast<float>((1.0 / s - (j == label ? 1.0 / c : 0.0)) * inv_rows);
          }
      } else {
        // tf.keras 2: rescale to sum 1, clip, -sum t log q.
        double s = 0.0;
        for (std::ptrdiff_t j = 0; j < cols; ++j) s += pr[j];
        double dot = 0.0;  // sum_k dL/dq_k q_k
        for (std::ptrdiff_t j = 0; j < cols; ++j) {
          const float q = static_cast<float>(pr[j] / s);
          const float qc = std::clamp(q, lo, hi);
          row -= target(j) * std::log(qc);
          if (gr) {
            const double dq = qc != q ? 0.0 : -target(j) / qc;
            gr[j] = static_cast<float>(dq);
            dot += dq * q;
          }
        }
        if (gr)
          for (std::ptrdiff_t j = 0; j < cols; ++j) gr[j] = static_cast<float>((gr[j] - dot) / s * inv_rows);
      }
    } else {
      const double scale = inv_rows / static_cast<double>(cols);
      for (std::ptrdiff_t j = 0; j < cols; ++j) {
        const double tj = static_cast<double>(t[r * cols + j]);
        if constexpr (std::is_same_v<Loss, BinaryCrossentropy>) {
          row += logits ? Loss::logits_element(pr[j], tj) : loss.element(pr[j], tj);
          if (gr) gr[j] = static_cast<float>((logits ? Loss::logits_grad(pr[j], tj) : loss.element_grad(pr[j], tj)) * scale);
        } else {
          row += loss.element(pr[j], tj);
          if (gr) gr[j] = static_cast<float>(loss.element_grad(pr[j], tj) * scale);
        }
      }
      row /= static_cast<double>(cols);
    }
    total += row;
  }
  return total * inv_rows;
}

/// The run-time twin of the target rule, for dyn extents: empty when the target fits.
template <class Loss, class PE, class TE>
error_info target_error(const PE& pe, const TE& te) {
  constexpr int PR = static_cast<int>(std::tuple_size_v<PE>), TR = static_cast<int>(std::tuple_size_v<TE>);
  bool fits = true;
  if constexpr (Loss::alignment == target_alignment::class_indices) {
    for (int i = 0; i < PR - 1; ++i) fits = fits && te[i] == pe[i];
    if constexpr (TR == PR) fits = fits && te[TR - 1] == 1;
  } else {
    for (int i = 0; i < TR; ++i) fits = fits && te[i] == pe[i];
    if constexpr (TR + 1 == PR) fits = fits && pe[PR - 1] == 1;
  }
  if (fits) return {};
  static_text<200> d("in loss ");
  d.append(Loss::keras_name).append(": model output ").append(extents_text(pe).view());
  d.append(", target ").append(extents_text(te).view());
  return make_error(errc::loss_target_mismatch, d.view());
}

/// The loss of predictions and targets whose static shapes and types already passed loss_rule.
template <class Loss, class P, class T>
float checked_loss(const Loss& fn, const P& y_pred, const T& y_true) {
  using PS = typename P::shape;
  using TS = typename T::shape;
  const TensorView<const float, PS> p = y_pred;
  const TensorView<const typename T::value_type, TS> tv = y_true;
  if (const auto e = target_error<Loss>(p.extents(), tv.extents())) raise(e);
  const std::ptrdiff_t cols = PS::rank > 0 ? p.extents()[PS::rank - 1] : 1;
  const std::ptrdiff_t rows = cols > 0 ? p.size() / cols : 0;
  bool logits = false;
  if constexpr (requires { fn.from_logits; }) logits = fn.from_logits;
  return static_cast<float>(reduce_loss(fn, p.data(), tv.data(), rows, cols, logits));
}
}  // namespace detail

// Both spellings report the rule themselves: an error in the function the user called is the
// shortest the compiler prints (no "required from" chain through the other).

/// Keras' loss of predictions `y_pred` against targets `y_true` (tensors or views, batch first),
/// reduced as Keras' default "sum_over_batch_size". Shapes are checked at compile time where static.
///   loss(BinaryCrossentropy{}, p, t)   loss(SparseCategoricalCrossentropy{.from_logits = true}, z, labels)
template <class Loss, class P, class T>
  requires is_tensor<P>::value && is_tensor<T>::value
float loss(const Loss& fn, const P& y_pred, const T& y_true) {
  using D = detail::loss_rule<Loss, typename P::shape, typename T::value_type, typename T::shape>;
  static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, D>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
  static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, D>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
  static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, D>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
  if constexpr (std::is_void_v<D>)
    return detail::checked_loss(fn, y_pred, y_true);
  else
    return 0.0f;
}
/// loss<BinaryCrossentropy>(p, t): the loss with Keras' default arguments.
template <class Loss, class P, class T>
  requires is_tensor<P>::value && is_tensor<T>::value
float loss(const P& y_pred, const T& y_true) {
  using D = detail::loss_rule<Loss, typename P::shape, typename T::value_type, typename T::shape>;
  static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, D>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
  static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, D>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
  static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, D>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
  if constexpr (std::is_void_v<D>)
    return detail::checked_loss(Loss{}, y_pred, y_true);
  else
    return 0.0f;
}

}  // namespace tshape
