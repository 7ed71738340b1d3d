// Keras' fit, evaluate and predict (tf.keras 2), on top of the trainer's step:
//
//   auto net = make_model<Net>();
//   auto history = fit(net, x_train, y_train, SparseCategoricalCrossentropy{}, Adam{},
//                      {.epochs = 10, .batch_size = 32, .validation_split = 0.1, .verbose = 1, .seed = 0},
//                      metrics<SparseCategoricalAccuracy>, EarlyStopping{.patience = 3});
//   auto [loss, acc] = evaluate(net, x_test, y_test, SparseCategoricalCrossentropy{}, metrics<SparseCategoricalAccuracy>);
//   auto probs = predict(net, x_test, 32);
//
//   auto trainer = make_trainer(net, loss, Adam{});   // or keep the trainer (the optimizer's state) to resume:
//   fit(trainer, x, y, {.epochs = 20, .initial_epoch = 10}, metrics<Accuracy>);
//
//   fit(net, std::tie(images, metadata), std::tie(alarms, kinds), losses{...}, Adam{}, {...});  // several inputs, outputs
//
// x and y are Tensors or TensorViews with the samples first (a static or dyn batch), or tuples of them
// for a model of several Inputs or outputs. After the options
// come, in any order: metrics (metrics<A, B> or metric objects such as BinaryAccuracy{.threshold = 0.7}),
// callbacks (train/callbacks.hpp), and validation_data(x_val, y_val).
//
// Semantics, as tf.keras 2:
// - validation_split takes the LAST fraction of the samples (before any shuffling) for validation;
//   validation_data, when given, is used instead.
// - Each epoch the training samples are shuffled (a generator seeded by options.seed, so that a seed
//   gives the same batches every run) and gathered into one batch buffer, allocated once; the last
//   batch may be smaller.
// - The epoch's loss is the mean of the batch losses weighted by their sizes; metrics accumulate over
//   every sample, on the prediction of the training forward pass (before that batch's update).
// - The validation loss and metrics are computed at the end of each epoch, at inference, in batches
//   of batch_size.
// - A loss that is not finite stops training with an error naming the epoch and the batch (Keras'
//   TerminateOnNaN, as an error); the trainer leaves the weights as they were before that batch.
//
// Memory: the trainer's (train/trainer.hpp: gradients, optimizer slots, one arena for the largest
// batch), plus one batch of gathered samples and targets and the epoch's order (one int per sample).
// predict allocates its result; evaluate one batch of predictions.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../diagnostics/error.hpp"
#include "../diagnostics/report.hpp"
#include "../diagnostics/runtime.hpp"
#include "../diagnostics/shape_rules.hpp"
#include "../io/weights.hpp"
#include "../model/summary.hpp"
#include "../model/weights.hpp"
#include "../tensor/tensor.hpp"
#include "callbacks.hpp"
#include "history.hpp"
#include "losses.hpp"
#include "metrics.hpp"
#include "progress.hpp"
#include "trainer.hpp"

namespace tshape {

/// fit's options, Keras' names and defaults (verbose 1: Keras' 'auto').
struct fit_options {
  int epochs = 1;
  int batch_size = 32;
  double validation_split = 0.0;
  int verbose = 1;             // 0 silent, 1 progress bar, 2 one line per epoch
  std::uint64_t seed = 0;      // the shuffles (and the trainer's dropout, when fit makes the trainer)
  bool shuffle = true;
  int initial_epoch = 0;       // to resume: the epoch to start at (counted from 0)
  std::FILE* output = stdout;  // where the progress goes
};

/// evaluate's options. verbose defaults to 0 here (Keras prints a bar by default).
struct evaluate_options {
  int batch_size = 32;
  int verbose = 0;
  std::FILE* output = stdout;
};

/// Data to validate on at the end of each epoch: fit(..., validation_data(x_val, y_val)).
template <class XV, class YV>
struct validation_data_t {
  XV x;
  YV y;
};
template <class X, class Y>
  requires is_tensor<X>::value && is_tensor<Y>::value
auto validation_data(const X& x, const Y& y) {
  using XV = TensorView<const typename X::value_type, typename X::shape>;
  using YV = TensorView<const typename Y::value_type, typename Y::shape>;
  return validation_data_t<XV, YV>{XV(x), YV(y)};
}

/// The same for a model of several Inputs or outputs: validation_data(std::tie(x1, x2), std::tie(y1, y2)).
template <class... X, class... Y>
  requires((is_tensor<std::remove_cvref_t<X>>::value && ...) && (is_tensor<std::remove_cvref_t<Y>>::value && ...))
auto validation_data(const std::tuple<X...>& x, const std::tuple<Y...>& y) {
  using XV = std::tuple<TensorView<const typename std::remove_cvref_t<X>::value_type, typename std::remove_cvref_t<X>::shape>...>;
  using YV = std::tuple<TensorView<const typename std::remove_cvref_t<Y>::value_type, typename std::remove_cvref_t<Y>::shape>...>;
  return validation_data_t<XV, YV>{XV(x), YV(y)};
}

namespace detail {

template <class T>
struct is_trainer : std::false_type {};
template <class Net, class Loss, class Opt>
struct is_trainer<trainer<Net, Loss, Opt>> : std::true_type {};
template <class T>
inline constexpr bool is_trainer_v = is_trainer<std::remove_cvref_t<T>>::value;

template <class T>
struct is_metric_list : std::false_type {};
template <class... M>
struct is_metric_list<metric_list<M...>> : std::true_type {
  using tuple = std::tuple<M...>;
};
template <class T>
struct is_validation_data : std::false_type {};
template <class XV, class YV>
struct is_validation_data<validation_data_t<XV, YV>> : std::true_type {};

/// The metrics among fit's extra arguments, as one tuple of metric objects.
template <class E>
auto metrics_of(E&& e) {
  using D = std::remove_cvref_t<E>;
  if constexpr (is_metric_list<D>::value)
    return typename is_metric_list<D>::tuple{};
  else if constexpr (metric<D>)
    return std::tuple<D>(std::forward<E>(e));
  else
    return std::tuple<>{};
}
/// The callbacks: lvalues by reference (their state stays readable), temporaries moved in.
template <class E>
auto callbacks_of(E&& e) {
  using D = std::remove_cvref_t<E>;
  if constexpr (callback<D> && !metric<D> && !is_metric_list<D>::value) {
    static_assert(!std::is_const_v<std::remove_reference_t<E>>,
                  "tshape: a callback keeps state as training goes: pass it as a non-const variable or a temporary");
    return std::tuple<E>(std::forward<E>(e));
  }
  else
    return std::tuple<>{};
}
template <class E>
auto validation_of(E&& e) {
  using D = std::remove_cvref_t<E>;
  if constexpr (is_validation_data<D>::value)
    return std::tuple<D>(e);
  else
    return std::tuple<>{};
}
/// A tensor, or a tuple of them (a model's several inputs or targets).
template <class T>
inline constexpr bool is_data_v = is_tensor<T>::value;
template <class... T>
inline constexpr bool is_data_v<std::tuple<T...>> = (is_tensor<std::remove_cvref_t<T>>::value && ...);

template <class E>
inline constexpr bool is_fit_extra_v = is_metric_list<std::remove_cvref_t<E>>::value || metric<std::remove_cvref_t<E>> ||
                                       callback<std::remove_cvref_t<E>> || is_validation_data<std::remove_cvref_t<E>>::value;

template <class Tuple, class F>
void for_each_in(Tuple& t, F&& f) {
  std::apply([&](auto&... item) { (f(item), ...); }, t);
}

/// A view of `batch` samples at `data`, of shape S (whose batch extent is dyn), the other extents from `full`.
template <class S, class T, std::size_t R>
TensorView<T, S> batch_view(T* data, const std::array<int, R>& full, int batch) {
  std::array<int, S::dyn_count> d{};
  std::size_t k = 0;
  for (int i = 0; i < S::rank; ++i)
    if (S::extents[i] == dyn) d[k++] = i == 0 ? batch : full[static_cast<std::size_t>(i)];
  return TensorView<T, S>(data, d);
}

template <std::size_t R>
std::ptrdiff_t per_sample(const std::array<int, R>& extents) {
  std::ptrdiff_t n = 1;
  for (std::size_t i = 1; i < R; ++i) n *= extents[i];
  return n;
}

/// A view of some rows of the tensor viewed by V.
template <class V>
using batch_of = TensorView<const typename V::value_type, replace_extent_t<typename V::shape, 0, dyn>>;

/// Tensors that hold the same samples, one row each (a model's inputs, or its targets), as views:
/// their rows, a batch of rows gathered in a given order into buffers allocated once, a slice.
template <class... V>
class sample_set {
 public:
  static constexpr std::size_t size = sizeof...(V);
  using views = std::tuple<V...>;
  /// The views of a batch of rows (the batch extent dyn).
  using batch_views = std::tuple<batch_of<V>...>;

  explicit sample_set(const views& v) : views_(v) {
    each([&](auto j) { per_[j] = per_sample(std::get<j>(views_).extents()); });
  }
  int samples() const { return std::get<0>(views_).template extent<0>(); }
  const views& all() const { return views_; }
  /// Rows [start, start + n).
  batch_views rows(int start, int n) const {
    return make<batch_views>([&](auto j) { return std::get<j>(views_).data() + static_cast<std::ptrdiff_t>(start) * per_[j]; }, n);
  }
  /// The set of rows [start, start + n).
  sample_set<batch_of<V>...> slice(int start, int n) const { return sample_set<batch_of<V>...>(rows(start, n)); }
  /// Buffers for `batch` rows of each tensor, for gather.
  void reserve(int batch) {
    each([&](auto j) {
      using T = typename std::tuple_element_t<j, views>::value_type;
      std::get<j>(buffers_).reset(aligned_new<T>(static_cast<std::ptrdiff_t>(batch) * per_[j]));
    });
  }
  /// Rows order[0], ..., order[n - 1], copied into the buffers.
  batch_views gather(const int* order, int n) {
    each([&](auto j) {
      const auto* from = std::get<j>(views_).data();
      auto* to = std::get<j>(buffers_).get();
      const std::ptrdiff_t k = per_[j];
      for (int i = 0; i < n; ++i) std::copy_n(from + static_cast<std::ptrdiff_t>(order[i]) * k, k, to + i * k);
    });
    return make<batch_views>([&](auto j) { return static_cast<const typename std::tuple_element_t<j, views>::value_type*>(
                                               std::get<j>(buffers_).get()); },
                             n);
  }
  /// Floats (or ints) per sample of tensor J.
  std::ptrdiff_t per_sample_of(std::size_t j) const { return per_[j]; }

 private:
  template <class F>
  static void each(F&& f) {
    [&]<std::size_t... J>(std::index_sequence<J...>) { (f(std::integral_constant<std::size_t, J>{}), ...); }(
        std::index_sequence_for<V...>{});
  }
  template <class Out, class Data>
  Out make(Data&& data, int n) const {
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      return Out{batch_view<replace_extent_t<typename V::shape, 0, dyn>>(data(std::integral_constant<std::size_t, J>{}),
                                                                         std::get<J>(views_).extents(), n)...};
    }(std::index_sequence_for<V...>{});
  }

  views views_;
  std::array<std::ptrdiff_t, sizeof...(V)> per_{};
  std::tuple<std::unique_ptr<std::remove_const_t<typename V::value_type>[], aligned_delete>...> buffers_;
};
template <class... V>
sample_set(const std::tuple<V...>&) -> sample_set<V...>;

[[noreturn]] inline void raise_sample_mismatch(int data, int targets) {
  static_text<120> d("the data has ");
  d.append(data).append(" samples, the targets ").append(targets);
  raise(make_error(errc::sample_count_mismatch, d.view()));
}

/// Input J's shape of a model of one input (Several false) or of several.
template <class Net, std::size_t J, bool Several>
struct model_input_shape {
  using type = typename Net::input_shape;
};
template <class Net, std::size_t J>
struct model_input_shape<Net, J, true> {
  using type = typename Net::template input_shape_at<J>;
};

/// The checks of data and targets at the boundary, once: their samples, the data's dyn extents, and
/// the targets against the model's output through the loss (the words of a step's checks).
template <class Net, class Loss, class XS, class YS>
void check_fit_data(const XS& x, const YS& y) {
  const int n = x.samples();
  if constexpr (XS::size > 1)
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((std::get<J>(x.all()).template extent<0>() != n
            ? raise(make_error(errc::input_samples_mismatch))
            : void()),
       ...);
    }(std::make_index_sequence<XS::size>{});
  [&]<std::size_t... J>(std::index_sequence<J...>) {
    ((std::get<J>(y.all()).template extent<0>() != n ? raise_sample_mismatch(n, std::get<J>(y.all()).template extent<0>())
                                                     : void()),
     ...);
  }(std::make_index_sequence<YS::size>{});
  [&]<std::size_t... J>(std::index_sequence<J...>) {
    (
        [&] {
          using SX = typename std::tuple_element_t<J, typename XS::views>::shape;
          if constexpr (!drop_front_t<SX>::is_static) {
            using Expected = prepend_t<dyn, typename model_input_shape<Net, J, (XS::size > 1)>::type>;
            const auto got = std::get<J>(x.all()).extents();
            const auto v = check_extents(got, Expected::extents);
            if (v.code != errc::ok) raise(extents_error(v, got, Expected::extents, "at the model's input"));
          }
        }(),
        ...);
  }(std::make_index_sequence<XS::size>{});
  [&]<std::size_t... J>(std::index_sequence<J...>) {
    (
        [&] {
          using O = output_shape_of<Net, J>;
          std::array<int, O::rank + 1> pe{};
          pe[0] = n;
          for (int i = 0; i < O::rank; ++i) pe[static_cast<std::size_t>(i) + 1] = O::extents[i];
          if (const auto e = target_error<typename loss_at<Loss, J>::type>(pe, std::get<J>(y.all()).extents())) raise(e);
        }(),
        ...);
  }(std::make_index_sequence<YS::size>{});
}

template <class Out>
inline constexpr std::ptrdiff_t output_cols_of = Out::rank > 0 ? last_extent_v<Out> : 1;

/// Metrics of the batch's prediction p (batch samples of shape Out) against targets t.
template <class Out, class Metrics, class T>
void update_metrics(Metrics& ms, const float* p, const T* t, int batch, std::ptrdiff_t target_floats) {
  constexpr std::ptrdiff_t cols = output_cols_of<Out>;
  const std::ptrdiff_t rows = static_cast<std::ptrdiff_t>(batch) * sample_size<Out> / cols;
  const std::ptrdiff_t per_row = rows > 0 ? static_cast<std::ptrdiff_t>(batch) * target_floats / rows : cols;
  for_each_in(ms, [&](auto& m) { m.update(p, t, rows, cols, per_row); });
}

template <class Metrics>
void log_metrics(Logs& logs, const Metrics& ms, std::string_view prefix) {
  std::apply(
      [&](const auto&... m) {
        ((prefix.empty() ? logs.set(std::remove_cvref_t<decltype(m)>::name, m.result())
                         : logs.set(std::string(prefix) + std::string(std::remove_cvref_t<decltype(m)>::name), m.result())),
         ...);
      },
      ms);
}

/// The name Keras gives output J's logs: its layer's ("dense_2_loss", "dense_2_accuracy").
template <class Net, std::size_t J>
std::string output_log_name() {
  constexpr int node = [] {
    for (int k = 0; k < Net::n; ++k)
      if (Net::model_output[k] == static_cast<int>(J)) return k;
    return 0;
  }();
  return std::string(graph_text<Net>::node_layer_name(node).view()) + "_";
}

/// The loss, each output's loss and the metrics of an epoch or an evaluation, over its batches.
/// One output: "loss" and the metrics' names (Keras'); several: "loss", then "<output>_loss" for
/// each output, then "<output>_<metric>" (each metric on each output, as Keras' metrics=[...]).
template <class Net, class Metrics, std::size_t Outs>
class epoch_meter {
 public:
  explicit epoch_meter(const Metrics& ms) {
    metrics_.fill(ms);
    if constexpr (Outs > 1)
      [&]<std::size_t... J>(std::index_sequence<J...>) { ((names_[J] = output_log_name<Net, J>()), ...); }(
          std::make_index_sequence<Outs>{});
  }
  void reset() {
    loss_sum_ = 0.0;
    seen_ = 0;
    output_sums_.fill(0.0);
    for (auto& ms : metrics_) for_each_in(ms, [](auto& m) { m.reset(); });
  }
  /// A batch of `count` samples: its mean loss, each output's (several outputs), the predictions and targets.
  template <class YB>
  void add(float loss, const float* output_losses, const std::array<const float*, Outs>& predictions, const YB& targets,
           int count) {
    loss_sum_ += static_cast<double>(loss) * count;
    seen_ += count;
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((output_losses ? (output_sums_[J] += static_cast<double>(output_losses[J]) * count) : 0.0), ...);
      (update_metrics<output_shape_of<Net, J>>(metrics_[J], predictions[J], std::get<J>(targets).data(), count,
                                               per_sample(std::get<J>(targets).extents())),
       ...);
    }(std::make_index_sequence<Outs>{});
  }
  void log(Logs& logs, std::string_view prefix) const {
    const std::string p(prefix);
    logs.set(p + "loss", seen_ > 0 ? loss_sum_ / seen_ : 0.0);
    if constexpr (Outs == 1) {
      log_metrics(logs, metrics_[0], prefix);
    } else {
      for (std::size_t j = 0; j < Outs; ++j) logs.set(p + names_[j] + "loss", seen_ > 0 ? output_sums_[j] / seen_ : 0.0);
      for (std::size_t j = 0; j < Outs; ++j) log_metrics(logs, metrics_[j], p + names_[j]);
    }
  }

 private:
  std::array<Metrics, Outs> metrics_;
  std::array<std::string, Outs> names_;
  std::array<double, Outs> output_sums_{};
  double loss_sum_ = 0.0;
  int seen_ = 0;
};

/// The loss and metrics over the sets x, y in batches: run(x_batch, y_batch) returns the batch's
/// mean loss and leaves its predictions at predictions() (each output's losses at output_losses()).
/// Fills logs with "<prefix>loss" and the rest.
template <class XS, class YS, class Meter, class Run, class Predictions, class OutputLosses>
void evaluate_batches(const XS& x, const YS& y, int batch_size, Meter& meter, Run&& run, Predictions&& predictions,
                      OutputLosses&& output_losses, Logs& logs, std::string_view prefix, progress_bar* bar) {
  const int n = x.samples();
  meter.reset();
  int step = 0;
  Logs running;
  for (int start = 0; start < n; start += batch_size) {
    const int count = std::min(batch_size, n - start);
    const auto xb = x.rows(start, count);
    const auto yb = y.rows(start, count);
    const float l = run(xb, yb);
    meter.add(l, output_losses(), predictions(), yb, count);
    if (bar) {
      meter.log(running, "");
      bar->update(++step, running, start + count >= n);
    }
  }
  meter.log(logs, prefix);
}

/// What the callbacks see of a trainer.
template <class Tr>
class trainer_context final : public fit_context {
 public:
  explicit trainer_context(Tr& t) : fit_context(&t.optimizer().learning_rate), t_(&t) {}
  std::int64_t iterations() const override { return t_->iterations(); }
  std::vector<float> get_weights() const override {
    // Sized once: g++ 12 -O3 warns (-Wstringop-overflow, wrongly) when the vector grows by inserts here.
    std::vector<float> values(static_cast<std::size_t>(std::remove_cvref_t<decltype(t_->model())>::param_count));
    std::size_t i = 0;
    for_each_weight(t_->model(), [&](const weight_ref& w) {
      std::copy(w.values.begin(), w.values.end(), values.begin() + static_cast<std::ptrdiff_t>(i));
      i += w.values.size();
    });
    return values;
  }
  void set_weights(const std::vector<float>& values) override {
    std::size_t i = 0;
    for_each_weight(t_->model(), [&](const weight_ref& w) {
      if (i + w.values.size() > values.size()) raise(make_error(errc::weights_mismatch, "set_weights: too few values"));
      std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(i), w.values.size(), w.values.begin());
      i += w.values.size();
    });
  }
  void save_weights(const std::string& path) override { tshape::save_weights(t_->model(), path); }

 private:
  Tr* t_;
};

[[noreturn]] inline void raise_non_finite_loss(float loss, int epoch, int epochs, int batch, int steps) {
  static_text<240> d("the loss is ");
  d.append(std::isnan(loss) ? "nan" : (loss < 0 ? "-inf" : "inf")).append(" at epoch ").append(epoch).append("/").append(epochs);
  d.append(", batch ").append(batch).append("/").append(steps);
  d.append(" (counted from 1); that batch changed no weight, and training stops (Keras' TerminateOnNaN)");
  raise(make_error(errc::loss_not_finite, d.view()));
}

/// A trainer's step or test step on a batch: on the tensors themselves for a model called with one
/// tensor and one target, on the tuples for one called with tuples (several Inputs or outputs).
template <bool Tuples, class Tr, class XB, class YB>
float step_on(Tr& trainer, const XB& x, const YB& y, bool training) {
  if constexpr (Tuples)
    return training ? trainer.step(x, y) : trainer.test_step(x, y);
  else
    return training ? trainer.step(std::get<0>(x), std::get<0>(y)) : trainer.test_step(std::get<0>(x), std::get<0>(y));
}
/// The predictions of a trainer's last step, one per output.
template <std::size_t Outs, class Tr>
std::array<const float*, Outs> predictions_of(const Tr& trainer) {
  if constexpr (Outs == 1)
    return {trainer.output().data()};
  else
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      return std::array<const float*, Outs>{trainer.template output<J>().data()...};
    }(std::make_index_sequence<Outs>{});
}

template <bool Tuples, class Tr, class XS, class YS, class Metrics, class Callbacks, class Validation>
History fit_sets(Tr& trainer, XS x_all, YS y_all, const fit_options& o, const Metrics& ms, Callbacks& cbs,
                 Validation& validation) {
  using Net = typename Tr::model_type;
  using Loss = typename Tr::loss_type;
  constexpr std::size_t outs = YS::size;
  constexpr bool has_validation_data = std::tuple_size_v<Validation> > 0;

  check_fit_data<Net, Loss>(x_all, y_all);
  if constexpr (has_validation_data)
    check_fit_data<Net, Loss>(std::get<0>(validation).first, std::get<0>(validation).second);
  if (o.epochs < 0 || o.batch_size < 1 || o.initial_epoch < 0)
    raise(make_error(errc::invalid_argument, "fit: epochs and initial_epoch must be at least 0, batch_size at least 1"));
  if (!(o.validation_split >= 0.0 && o.validation_split < 1.0))
    raise(make_error(errc::invalid_argument, "fit: validation_split must be in [0, 1)"));

  // Keras' train_validation_split: the last samples, before shuffling.
  const int n_all = x_all.samples();
  int n = n_all;
  if (!has_validation_data && o.validation_split > 0.0) {
    n = static_cast<int>(std::floor(n_all * (1.0 - o.validation_split)));
    if (n == 0 || n == n_all) {
      static_text<240> d("training data contains ");
      d.append(n_all).append(" samples, which is not sufficient to split it into a validation and training set as "
                             "specified by validation_split");
      raise(make_error(errc::invalid_argument, d.view()));
    }
  }
  if (n == 0) raise(make_error(errc::invalid_argument, "fit: there are no training samples"));
  const int split_rows = n_all - n;
  const auto x_val = x_all.slice(n, split_rows);
  const auto y_val = y_all.slice(n, split_rows);
  const bool validates = has_validation_data || split_rows > 0;

  const int batch_size = std::min(o.batch_size, n);
  const int steps = (n + batch_size - 1) / batch_size;
  std::FILE* out = o.output ? o.output : stdout;
  const bool dynamic = o.verbose == 1 && is_terminal(out);

  // One batch of gathered samples, for the whole of training.
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  if (o.shuffle) {
    x_all.reserve(batch_size);
    y_all.reserve(batch_size);
  }
  rng shuffle_rng(o.seed);

  trainer_context<Tr> ctx(trainer);
  ctx.epochs = o.epochs;
  ctx.steps = steps;
  ctx.out = out;
  History history;
  Logs batch_logs;  // the same keys every batch: set in place, no allocation after the first
  Logs logs;
  epoch_meter<Net, Metrics, outs> meter(ms);
  auto validation_meter = meter;
  const float* no_output_losses = nullptr;
  auto output_losses = [&] { return outs > 1 ? trainer.output_losses().data() : no_output_losses; };
  for_each_in(cbs, [&](auto& c) {
    if constexpr (requires { c.train_begin(ctx); }) c.train_begin(ctx);
  });
  for (int epoch = o.initial_epoch; epoch < o.epochs && !ctx.stop_training; ++epoch) {
    // The progress first, then the callbacks (Keras puts its ProgbarLogger first in the list).
    if (o.verbose > 0 && o.epochs > 1) {
      std::fprintf(out, "Epoch %d/%d\n", epoch + 1, o.epochs);
      std::fflush(out);
    }
    for_each_in(cbs, [&](auto& c) {
      if constexpr (requires { c.epoch_begin(epoch, ctx); }) c.epoch_begin(epoch, ctx);
    });
    progress_bar bar(out, steps, o.verbose, dynamic);
    if (o.shuffle)
      for (int i = n - 1; i > 0; --i) {  // Fisher-Yates
        const auto j = static_cast<int>(shuffle_rng.next() % static_cast<std::uint64_t>(i + 1));
        std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
      }
    meter.reset();
    for (int b = 0; b < steps; ++b) {
      const int start = b * batch_size;
      const int count = std::min(batch_size, n - start);
      const auto xb = o.shuffle ? x_all.gather(order.data() + start, count) : x_all.rows(start, count);
      const auto yb = o.shuffle ? y_all.gather(order.data() + start, count) : y_all.rows(start, count);
      for_each_in(cbs, [&](auto& c) {
        if constexpr (requires { c.batch_begin(b, ctx); }) c.batch_begin(b, ctx);
      });
      const float l = step_on<Tuples>(trainer, xb, yb, true);
      if (!std::isfinite(l)) {
        bar.end_line();
        raise_non_finite_loss(l, epoch + 1, o.epochs, b + 1, steps);
      }
      meter.add(l, output_losses(), predictions_of<outs>(trainer), yb, count);
      meter.log(batch_logs, "");
      bar.update(b + 1, batch_logs, false);
      for_each_in(cbs, [&](auto& c) {
        if constexpr (requires { c.batch_end(b, std::as_const(batch_logs), ctx); })
          c.batch_end(b, std::as_const(batch_logs), ctx);
      });
    }
    logs = batch_logs;
    if (validates) {
      auto run = [&](const auto& xb, const auto& yb) { return step_on<Tuples>(trainer, xb, yb, false); };
      auto predictions = [&] { return predictions_of<outs>(trainer); };
      if constexpr (has_validation_data)
        evaluate_batches(std::get<0>(validation).first, std::get<0>(validation).second, o.batch_size, validation_meter,
                         run, predictions, output_losses, logs, "val_", nullptr);
      else
        evaluate_batches(x_val, y_val, o.batch_size, validation_meter, run, predictions, output_losses, logs, "val_",
                         nullptr);
    }
    bar.update(steps, logs, true);
    for_each_in(cbs, [&](auto& c) {
      if constexpr (requires { c.epoch_end(epoch, logs, ctx); }) c.epoch_end(epoch, logs, ctx);
    });
    history.append(epoch, logs);
  }
  for_each_in(cbs, [&](auto& c) {
    if constexpr (requires { c.train_end(ctx); }) c.train_end(ctx);
  });
  return history;
}

/// The tensors a user gives (one, or a tuple of them) as a set of views.
template <class X>
auto as_sample_set(const X& x) {
  if constexpr (is_tensor<X>::value)
    return sample_set<TensorView<const typename X::value_type, typename X::shape>>(
        std::tuple<TensorView<const typename X::value_type, typename X::shape>>(x));
  else
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      using V = std::tuple<TensorView<const typename std::remove_cvref_t<std::tuple_element_t<J, X>>::value_type,
                                      typename std::remove_cvref_t<std::tuple_element_t<J, X>>::shape>...>;
      return sample_set(V(std::get<J>(x)...));
    }(std::make_index_sequence<std::tuple_size_v<X>>{});
}
/// validation_data(x, y) as sets, in a tuple of zero or one pair.
template <class Validation>
auto validation_sets(const Validation& v) {
  if constexpr (std::tuple_size_v<Validation> == 0)
    return std::tuple<>{};
  else
  {
    using P = std::pair<decltype(as_sample_set(std::get<0>(v).x)), decltype(as_sample_set(std::get<0>(v).y))>;
    return std::tuple<P>(P(as_sample_set(std::get<0>(v).x), as_sample_set(std::get<0>(v).y)));  // not CTAD: tuple{pair} is a tuple of two
  }
}

/// The first diagnosis that is not void (void when all are).
template <class... D>
struct first_error {
  using type = void;
};
template <class D, class... Rest>
struct first_error<D, Rest...> {
  using type = std::conditional_t<std::is_void_v<D>, typename first_error<Rest...>::type, D>;
};

template <class Validation>
struct validation_types {
  using x = TensorView<const float, Shape<dyn>>;
  using y = x;
};
template <class XV, class YV>
struct validation_types<std::tuple<validation_data_t<XV, YV>>> {
  using x = XV;
  using y = YV;
};
/// The diagnosis of a step on the validation data, void without them. (A trait, not a lambda in
/// decltype: clang 14 crashes reading those back from a precompiled header.)
template <class Tr, class V, bool Has>
struct validation_diagnosis {
  using type = void;
};
template <class Tr, class V>
struct validation_diagnosis<Tr, V, true> {
  using type = typename Tr::template graph_step_diagnosis<typename V::x, typename V::y>;
};
}  // namespace detail

// The shape rules of a step are reported at the user's fit/evaluate call, one static_assert per kind,
// written out in each function (in a macro, g++ adds two lines of "in expansion of macro" to each).

/// Trains the trainer's model on x, y (Keras' model.fit); returns the history. The trainer keeps
/// the optimizer's state, so a second fit carries on where the first stopped.
template <class Tr, class X, class Y, class... Extras>
  requires detail::is_trainer_v<Tr> && is_tensor<X>::value && is_tensor<Y>::value
History fit(Tr& trainer, const X& x, const Y& y, const fit_options& options, Extras&&... extras) {
  static_assert((detail::is_fit_extra_v<Extras> && ...),
                "tshape: after fit's options come metrics (metrics<...> or a metric), callbacks and validation_data(x, y)");
  static_assert(Y::shape::rank >= 1, "tshape: fit's targets have the samples first");
  auto validation = std::tuple_cat(detail::validation_of(extras)...);
  static_assert(std::tuple_size_v<decltype(validation)> <= 1, "tshape: fit takes one validation_data");
  using V = detail::validation_types<decltype(validation)>;
  using DS = typename detail::first_error<
      typename Tr::template step_diagnosis<X, Y>,
      std::conditional_t<std::tuple_size_v<decltype(validation)> == 1,
                         typename Tr::template step_diagnosis<typename V::x, typename V::y>, void>>::type;
  static_assert(no_error<only<error::DTYPE_MISMATCH, DS>>, TSHAPE_MSG_DTYPE_MISMATCH);
  static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, DS>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
  static_assert(no_error<only<error::WRONG_RANK, DS>>, TSHAPE_MSG_WRONG_RANK);
  static_assert(no_error<only<error::SHAPE_MISMATCH, DS>>, TSHAPE_MSG_SHAPE_MISMATCH);
  static_assert(no_error<only<error::SAMPLE_COUNT_MISMATCH, DS>>, TSHAPE_MSG_SAMPLE_COUNT_MISMATCH);
  static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, DS>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
  static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, DS>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
  static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, DS>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
  if constexpr (std::is_void_v<DS>) {
    auto ms = std::tuple_cat(detail::metrics_of(std::forward<Extras>(extras))...);
    auto cbs = std::tuple_cat(detail::callbacks_of(std::forward<Extras>(extras))...);
    auto sets = detail::validation_sets(validation);
    return detail::fit_sets<false>(trainer, detail::as_sample_set(x), detail::as_sample_set(y), options, ms, cbs, sets);
  } else {
    return History{};
  }
}

/// Trains `net` (a model or a model_ptr) with a loss and an optimizer (Keras' compile + fit); the
/// trainer lives for this call.
template <class N, class X, class Y, class Loss, class Opt, class... Extras>
  requires(!detail::is_trainer_v<N>) && is_tensor<X>::value && is_tensor<Y>::value
History fit(N& net, const X& x, const Y& y, Loss loss, Opt opt, const fit_options& options, Extras&&... extras) {
  // The rules once more here, at the call the user wrote: reported from the trainer's fit, they
  // would carry one more line of context.
  using Net = std::remove_cvref_t<decltype(detail::model_of(net))>;
  using DS = typename trainer<Net, Loss, Opt>::template step_diagnosis<X, Y>;
  static_assert(no_error<only<error::DTYPE_MISMATCH, DS>>, TSHAPE_MSG_DTYPE_MISMATCH);
  static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, DS>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
  static_assert(no_error<only<error::WRONG_RANK, DS>>, TSHAPE_MSG_WRONG_RANK);
  static_assert(no_error<only<error::SHAPE_MISMATCH, DS>>, TSHAPE_MSG_SHAPE_MISMATCH);
  static_assert(no_error<only<error::SAMPLE_COUNT_MISMATCH, DS>>, TSHAPE_MSG_SAMPLE_COUNT_MISMATCH);
  static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, DS>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
  static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, DS>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
  static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, DS>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
  if constexpr (std::is_void_v<DS>) {
    auto t = make_trainer(net, loss, opt, options.seed);
    return fit(t, x, y, options, std::forward<Extras>(extras)...);
  } else {
    return History{};
  }
}

/// Trains a model of several Inputs or outputs (Keras' fit([x1, x2], [y1, y2])):
///   fit(trainer, std::tie(images, metadata), std::tie(alerts, kinds), {.epochs = 5}, metrics<Accuracy>);
/// The loss is the trainer's weighted sum (losses{...}.weighted({...})); the logs also hold each
/// output's loss, "<output layer>_loss", and each metric on each output, "<output layer>_<metric>".
template <class Tr, class... X, class... Y, class... Extras>
  requires detail::is_trainer_v<Tr> && (is_tensor<std::remove_cvref_t<X>>::value && ...) &&
           (is_tensor<std::remove_cvref_t<Y>>::value && ...)
History fit(Tr& trainer, const std::tuple<X...>& x, const std::tuple<Y...>& y, const fit_options& options,
            Extras&&... extras) {
  static_assert((detail::is_fit_extra_v<Extras> && ...),
                "tshape: after fit's options come metrics (metrics<...> or a metric), callbacks and validation_data(x, y)");
  auto validation = std::tuple_cat(detail::validation_of(extras)...);
  static_assert(std::tuple_size_v<decltype(validation)> <= 1, "tshape: fit takes one validation_data");
  using V = detail::validation_types<decltype(validation)>;
  using DS = typename detail::first_error<
      typename Tr::template graph_step_diagnosis<std::tuple<X...>, std::tuple<Y...>>,
      typename detail::validation_diagnosis<Tr, V, std::tuple_size_v<decltype(validation)> == 1>::type>::type;
  static_assert(no_error<only<error::WRONG_TENSOR_COUNT, DS>>, TSHAPE_MSG_WRONG_TENSOR_COUNT_IN_TRAINING);
  static_assert(no_error<only<error::DTYPE_MISMATCH, DS>>, TSHAPE_MSG_DTYPE_MISMATCH);
  static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, DS>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
  static_assert(no_error<only<error::WRONG_RANK, DS>>, TSHAPE_MSG_WRONG_RANK);
  static_assert(no_error<only<error::SHAPE_MISMATCH, DS>>, TSHAPE_MSG_SHAPE_MISMATCH);
  static_assert(no_error<only<error::INPUT_SAMPLES_MISMATCH, DS>>, TSHAPE_MSG_INPUT_SAMPLES_MISMATCH);
  static_assert(no_error<only<error::SAMPLE_COUNT_MISMATCH, DS>>, TSHAPE_MSG_SAMPLE_COUNT_MISMATCH);
  static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, DS>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
  static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, DS>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
  static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, DS>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
  if constexpr (std::is_void_v<DS>) {
    auto ms = std::tuple_cat(detail::metrics_of(std::forward<Extras>(extras))...);
    auto cbs = std::tuple_cat(detail::callbacks_of(std::forward<Extras>(extras))...);
    auto sets = detail::validation_sets(validation);
    return detail::fit_sets<true>(trainer, detail::as_sample_set(x), detail::as_sample_set(y), options, ms, cbs, sets);
  } else {
    return History{};
  }
}

/// The same with a loss (or losses{...}) and an optimizer: the trainer lives for this call.
template <class N, class... X, class... Y, class Loss, class Opt, class... Extras>
  requires(!detail::is_trainer_v<N>) && (is_tensor<std::remove_cvref_t<X>>::value && ...) &&
          (is_tensor<std::remove_cvref_t<Y>>::value && ...)
History fit(N& net, const std::tuple<X...>& x, const std::tuple<Y...>& y, Loss loss, Opt opt, const fit_options& options,
            Extras&&... extras) {
  using Net = std::remove_cvref_t<decltype(detail::model_of(net))>;
  using DS = typename trainer<Net, Loss, Opt>::template graph_step_diagnosis<std::tuple<X...>, std::tuple<Y...>>;
  static_assert(no_error<only<error::WRONG_TENSOR_COUNT, DS>>, TSHAPE_MSG_WRONG_TENSOR_COUNT_IN_TRAINING);
  static_assert(no_error<only<error::DTYPE_MISMATCH, DS>>, TSHAPE_MSG_DTYPE_MISMATCH);
  static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, DS>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
  static_assert(no_error<only<error::WRONG_RANK, DS>>, TSHAPE_MSG_WRONG_RANK);
  static_assert(no_error<only<error::SHAPE_MISMATCH, DS>>, TSHAPE_MSG_SHAPE_MISMATCH);
  static_assert(no_error<only<error::INPUT_SAMPLES_MISMATCH, DS>>, TSHAPE_MSG_INPUT_SAMPLES_MISMATCH);
  static_assert(no_error<only<error::SAMPLE_COUNT_MISMATCH, DS>>, TSHAPE_MSG_SAMPLE_COUNT_MISMATCH);
  static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, DS>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
  static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, DS>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
  static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, DS>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
  if constexpr (std::is_void_v<DS>) {
    auto t = make_trainer(net, loss, opt, options.seed);
    return fit(t, x, y, options, std::forward<Extras>(extras)...);
  } else {
    return History{};
  }
}

namespace detail {
/// net on the batch view x, into the view y: a Sequential's forward(x, y) writes there directly; a
/// functional model's call makes its result, copied into y.
template <class Net, class XV, class YV>
void forward_into(const Net& net, const XV& x, const YV& y) {
  if constexpr (requires { net.forward(x, y); }) {
    net.forward(x, y);
  } else {
    const auto r = net(x);
    std::copy_n(r.data(), r.size(), y.data());
  }
}

/// The model's outputs for a batch of `count` samples xb (a tuple of views), into pred.
template <class Net, class XB, class Buffers>
void predict_batch(const Net& net, const XB& xb, Buffers& pred, int count) {
  constexpr std::size_t outs = std::tuple_size_v<Buffers>;
  if constexpr (outs == 1 && std::tuple_size_v<XB> == 1) {  // into the buffer, with no result allocated
    forward_into(net, std::get<0>(xb), TensorView<float, prepend_t<dyn, output_shape_of<Net, 0>>>(pred[0].get(), {count}));
  } else {
    auto ys = std::apply([&](const auto&... xj) { return net(xj...); }, xb);
    if constexpr (outs == 1)
      std::copy_n(ys.data(), count * sample_size<output_shape_of<Net, 0>>, pred[0].get());
    else
      [&]<std::size_t... J>(std::index_sequence<J...>) {
        (std::copy_n(std::get<J>(ys).data(), count * sample_size<output_shape_of<Net, J>>, pred[J].get()), ...);
      }(std::make_index_sequence<outs>{});
  }
}

/// The loss and metrics of net on x, y (one tensor or a tuple each), in batches at inference.
template <class Net, class Loss, class X, class Y, class Metrics>
Logs evaluate_model(const Net& net, const Loss& loss, const X& x, const Y& y, const evaluate_options& o,
                    const Metrics& ms) {
  const auto xs = as_sample_set(x);
  const auto ys = as_sample_set(y);
  using YS = std::remove_cvref_t<decltype(ys)>;
  constexpr std::size_t outs = YS::size;
  check_fit_data<Net, Loss>(xs, ys);
  if (o.batch_size < 1) raise(make_error(errc::invalid_argument, "evaluate: batch_size must be at least 1"));
  const int n = xs.samples();
  const int batch = std::max(1, std::min(o.batch_size, n));
  // One buffer per output for a batch of predictions, allocated once.
  std::array<std::unique_ptr<float[], aligned_delete>, outs> pred;
  std::array<const float*, outs> pred_ptr{};
  std::array<float, outs> output_losses{};
  [&]<std::size_t... J>(std::index_sequence<J...>) {
    ((pred[J].reset(aligned_new<float>(batch * sample_size<output_shape_of<Net, J>>)), pred_ptr[J] = pred[J].get()), ...);
  }(std::make_index_sequence<outs>{});
  // Output J's mean loss over the batch's rows.
  auto output_loss = [&]<std::size_t J>(std::integral_constant<std::size_t, J>, const auto& t, int count) {
    using O = output_shape_of<Net, J>;
    using L = loss_at<Loss, J>;
    const auto& l = L::get(loss);
    bool logits = false;
    if constexpr (requires { l.from_logits; }) logits = l.from_logits;
    const std::ptrdiff_t rows = count * sample_size<O> / output_cols_of<O>;
    output_losses[J] = static_cast<float>(reduce_loss(l, pred[J].get(), t.data(), rows, output_cols_of<O>, logits));
    return L::weight(loss) * output_losses[J];
  };
  auto run = [&](const auto& xb, const auto& yb) {
    const int count = std::get<0>(xb).template extent<0>();
    predict_batch(net, xb, pred, count);
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      return (0.0f + ... + output_loss(std::integral_constant<std::size_t, J>{}, std::get<J>(yb), count));
    }(std::make_index_sequence<outs>{});
  };
  std::FILE* stream = o.output ? o.output : stdout;
  std::unique_ptr<progress_bar> bar;
  if (o.verbose > 0) bar = std::make_unique<progress_bar>(stream, (n + batch - 1) / batch, o.verbose, o.verbose == 1 && is_terminal(stream));
  Logs logs;
  epoch_meter<Net, Metrics, outs> meter(ms);
  const float* no_output_losses = nullptr;
  evaluate_batches(
      xs, ys, batch, meter, run, [&] { return pred_ptr; },
      [&] { return outs > 1 ? output_losses.data() : no_output_losses; }, logs, "", bar.get());
  return logs;
}

/// The logs' values in their order (Keras' evaluate list): N of them.
template <std::size_t N>
auto logs_to_array(const Logs& logs) {
  std::array<double, N> r{};
  std::size_t i = 0;
  for (const auto& [k, v] : logs) r[i++] = v;
  return r;
}
}  // namespace detail

/// The loss and metrics of `net` on x, y in batches (Keras' evaluate): {loss, metric...}, so that
/// `auto [loss, acc] = evaluate(net, x, y, SparseCategoricalCrossentropy{}, metrics<SparseCategoricalAccuracy>);`
template <class N, class X, class Y, class Loss, class... Ms>
  requires(!detail::is_trainer_v<N>) && is_tensor<X>::value && is_tensor<Y>::value
auto evaluate(N& net, const X& x, const Y& y, Loss loss, const evaluate_options& options, Ms&&... ms) {
  static_assert(((detail::is_metric_list<std::remove_cvref_t<Ms>>::value || metric<std::remove_cvref_t<Ms>>) && ...),
                "tshape: after evaluate's loss (and options) come metrics: metrics<...> or metric objects");
  using Net = std::remove_cvref_t<decltype(detail::model_of(net))>;
  auto metric_tuple = std::tuple_cat(detail::metrics_of(std::forward<Ms>(ms))...);
  constexpr std::size_t values = 1 + std::tuple_size_v<decltype(metric_tuple)>;
  using Result = std::array<double, values>;
  using DS = typename decltype(detail::step_rule<Net, Loss, X, Y>())::type;
  static_assert(no_error<only<error::DTYPE_MISMATCH, DS>>, TSHAPE_MSG_DTYPE_MISMATCH);
  static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, DS>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
  static_assert(no_error<only<error::WRONG_RANK, DS>>, TSHAPE_MSG_WRONG_RANK);
  static_assert(no_error<only<error::SHAPE_MISMATCH, DS>>, TSHAPE_MSG_SHAPE_MISMATCH);
  static_assert(no_error<only<error::SAMPLE_COUNT_MISMATCH, DS>>, TSHAPE_MSG_SAMPLE_COUNT_MISMATCH);
  static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, DS>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
  static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, DS>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
  static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, DS>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
  if constexpr (std::is_void_v<DS>) {
    return detail::logs_to_array<values>(detail::evaluate_model(detail::model_of(net), loss, x, y, options, metric_tuple));
  } else {
    return Result{};
  }
}
template <class N, class X, class Y, class Loss, class... Ms>
  requires(!detail::is_trainer_v<N>) && is_tensor<X>::value && is_tensor<Y>::value &&
          (!std::is_same_v<std::remove_cvref_t<Ms>, evaluate_options> && ...)
auto evaluate(N& net, const X& x, const Y& y, Loss loss, Ms&&... ms) {
  return evaluate(net, x, y, loss, evaluate_options{}, std::forward<Ms>(ms)...);
}

/// The same for a model of several Inputs or outputs (Keras' evaluate([x1, x2], [y1, y2])):
/// {loss, each output's loss, each metric on each output}, the order of Keras' list.
template <class N, class... X, class... Y, class Loss, class... Ms>
  requires(!detail::is_trainer_v<N>) && (is_tensor<std::remove_cvref_t<X>>::value && ...) &&
          (is_tensor<std::remove_cvref_t<Y>>::value && ...)
auto evaluate(N& net, const std::tuple<X...>& x, const std::tuple<Y...>& y, Loss loss, const evaluate_options& options,
              Ms&&... ms) {
  static_assert(((detail::is_metric_list<std::remove_cvref_t<Ms>>::value || metric<std::remove_cvref_t<Ms>>) && ...),
                "tshape: after evaluate's loss (and options) come metrics: metrics<...> or metric objects");
  using Net = std::remove_cvref_t<decltype(detail::model_of(net))>;
  auto metric_tuple = std::tuple_cat(detail::metrics_of(std::forward<Ms>(ms))...);
  constexpr std::size_t outs = sizeof...(Y);
  constexpr std::size_t values = 1 + (outs > 1 ? outs : 0) + outs * std::tuple_size_v<decltype(metric_tuple)>;
  using Result = std::array<double, values>;
  using DS = typename decltype(detail::graph_step_rule<Net, Loss, std::tuple<X...>, std::tuple<Y...>>())::type;
  static_assert(no_error<only<error::WRONG_TENSOR_COUNT, DS>>, TSHAPE_MSG_WRONG_TENSOR_COUNT_IN_TRAINING);
  static_assert(no_error<only<error::DTYPE_MISMATCH, DS>>, TSHAPE_MSG_DTYPE_MISMATCH);
  static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, DS>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
  static_assert(no_error<only<error::WRONG_RANK, DS>>, TSHAPE_MSG_WRONG_RANK);
  static_assert(no_error<only<error::SHAPE_MISMATCH, DS>>, TSHAPE_MSG_SHAPE_MISMATCH);
  static_assert(no_error<only<error::INPUT_SAMPLES_MISMATCH, DS>>, TSHAPE_MSG_INPUT_SAMPLES_MISMATCH);
  static_assert(no_error<only<error::SAMPLE_COUNT_MISMATCH, DS>>, TSHAPE_MSG_SAMPLE_COUNT_MISMATCH);
  static_assert(no_error<only<error::TARGET_DTYPE_MISMATCH, DS>>, TSHAPE_MSG_TARGET_DTYPE_MISMATCH);
  static_assert(no_error<only<error::LOSS_TARGET_MISMATCH, DS>>, TSHAPE_MSG_LOSS_TARGET_MISMATCH);
  static_assert(no_error<only<error::OUTPUT_KEEPS_SPATIAL_AXES, DS>>, TSHAPE_MSG_OUTPUT_KEEPS_SPATIAL_AXES);
  if constexpr (std::is_void_v<DS>)
    return detail::logs_to_array<values>(detail::evaluate_model(detail::model_of(net), loss, x, y, options, metric_tuple));
  else
    return Result{};
}
template <class N, class... X, class... Y, class Loss, class... Ms>
  requires(!detail::is_trainer_v<N>) && (is_tensor<std::remove_cvref_t<X>>::value && ...) &&
          (is_tensor<std::remove_cvref_t<Y>>::value && ...) && (!std::is_same_v<std::remove_cvref_t<Ms>, evaluate_options> && ...)
auto evaluate(N& net, const std::tuple<X...>& x, const std::tuple<Y...>& y, Loss loss, Ms&&... ms) {
  return evaluate(net, x, y, loss, evaluate_options{}, std::forward<Ms>(ms)...);
}

/// The same with a trainer's model and loss (Keras' evaluate after compile).
template <class Tr, class X, class Y, class... Ms>
  requires detail::is_trainer_v<Tr> && detail::is_data_v<X> && detail::is_data_v<Y>
auto evaluate(Tr& trainer, const X& x, const Y& y, const evaluate_options& options, Ms&&... ms) {
  return evaluate(trainer.model(), x, y, trainer.loss(), options, std::forward<Ms>(ms)...);
}
template <class Tr, class X, class Y, class... Ms>
  requires detail::is_trainer_v<Tr> && detail::is_data_v<X> && detail::is_data_v<Y> &&
          (!std::is_same_v<std::remove_cvref_t<Ms>, evaluate_options> && ...)
auto evaluate(Tr& trainer, const X& x, const Y& y, Ms&&... ms) {
  return evaluate(trainer.model(), x, y, trainer.loss(), evaluate_options{}, std::forward<Ms>(ms)...);
}

/// The model's outputs for every sample of x, computed in batches of batch_size (Keras' predict):
/// a Tensor whose first axis is x's samples.
template <class N, class X>
  requires(!detail::is_trainer_v<N>) && is_tensor<X>::value
auto predict(N& net, const X& x, int batch_size = 32) {
  using Net = std::remove_cvref_t<decltype(detail::model_of(net))>;
  using SX = typename X::shape;
  using D = typename Net::template call_diagnosis<X>;
  static_assert(no_error<only<error::DTYPE_MISMATCH, D>>, TSHAPE_MSG_DTYPE_MISMATCH);
  static_assert(no_error<only<error::TOKEN_IDS_NOT_INTEGER, D>>, TSHAPE_MSG_TOKEN_IDS_NOT_INTEGER);
  static_assert(no_error<only<error::WRONG_RANK, D>>, TSHAPE_MSG_WRONG_RANK);
  static_assert(no_error<only<error::SHAPE_MISMATCH, D>>, TSHAPE_MSG_SHAPE_MISMATCH);
  using Out = prepend_t<dyn, typename Net::output_shape>;
  if constexpr (std::is_void_v<D>) {
    if (batch_size < 1) raise(make_error(errc::invalid_argument, "predict: batch_size must be at least 1"));
    const TensorView<const detail::input_element_t<Net>, SX> xv = x;
    const int n = xv.template extent<0>();
    Tensor<float, Out> y(n);
    const auto xe = xv.extents();
    const std::ptrdiff_t sx = detail::per_sample(xe);
    constexpr std::ptrdiff_t out = detail::sample_size<typename Net::output_shape>;
    const auto& model = detail::model_of(net);
    for (int start = 0; start < n; start += batch_size) {
      const int count = std::min(batch_size, n - start);
      detail::forward_into(model, detail::batch_view<replace_extent_t<SX, 0, dyn>>(xv.data() + start * sx, xe, count),
                           TensorView<float, Out>(y.data() + start * out, {count}));
    }
    return y;
  } else {
    return detail::failed_model_output{};
  }
}


}  // namespace tshape
