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
// x and y are Tensors or TensorViews with the samples first (a static or dyn batch). After the options
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

[[noreturn]] inline void raise_sample_mismatch(int data, int targets) {
  static_text<120> d("the data has ");
  d.append(data).append(" samples, the targets ").append(targets);
  raise(make_error(errc::shape_mismatch, d.view()));
}

/// The checks of data and targets at the boundary, once: their samples, the data's dyn extents, and
/// the targets against the model's output through the loss (the words of a step's checks).
template <class Net, class Loss, class XV, class YV>
void check_fit_data(const XV& x, const YV& y) {
  using SX = typename XV::shape;
  const int n = x.template extent<0>();
  if (y.template extent<0>() != n) raise_sample_mismatch(n, y.template extent<0>());
  if constexpr (!drop_front_t<SX>::is_static) {
    using Expected = prepend_t<dyn, typename Net::input_shape>;
    const auto got = x.extents();
    const auto v = check_extents(got, Expected::extents);
    if (v.code != errc::ok) raise(extents_error(v, got, Expected::extents, "at the model's input"));
  }
  std::array<int, Net::output_shape::rank + 1> pe{};
  pe[0] = n;
  for (int i = 0; i < Net::output_shape::rank; ++i) pe[static_cast<std::size_t>(i) + 1] = Net::output_shape::extents[i];
  if (const auto e = target_error<Loss>(pe, y.extents())) raise(e);
}

template <class Net>
inline constexpr std::ptrdiff_t output_cols =
    Net::output_shape::rank > 0 ? last_extent_v<typename Net::output_shape> : 1;

/// Metrics of the batch's prediction p (batch samples) against targets t.
template <class Net, class Metrics, class T>
void update_metrics(Metrics& ms, const float* p, const T* t, int batch, std::ptrdiff_t target_floats) {
  constexpr std::ptrdiff_t cols = output_cols<Net>;
  const std::ptrdiff_t rows = static_cast<std::ptrdiff_t>(batch) * sample_size<typename Net::output_shape> / cols;
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

/// The loss and metrics over x, y in batches: run(x_batch, y_batch) returns the batch's mean loss and
/// leaves its prediction at pred(). Fills logs with "<prefix>loss" and the metrics.
template <class Net, class XV, class YV, class Metrics, class Run, class Pred>
void evaluate_batches(const XV& x, const YV& y, int batch_size, Metrics& ms, Run&& run, Pred&& pred, Logs& logs,
                      std::string_view prefix, progress_bar* bar) {
  using BX = replace_extent_t<typename XV::shape, 0, dyn>;
  using BY = replace_extent_t<typename YV::shape, 0, dyn>;
  const int n = x.template extent<0>();
  const auto xe = x.extents();
  const auto ye = y.extents();
  const std::ptrdiff_t sx = per_sample(xe), sy = per_sample(ye);
  for_each_in(ms, [](auto& m) { m.reset(); });
  double loss_sum = 0.0;
  int seen = 0, step = 0;
  Logs running;
  for (int start = 0; start < n; start += batch_size) {
    const int count = std::min(batch_size, n - start);
    const auto xb = batch_view<BX>(x.data() + start * sx, xe, count);
    const auto yb = batch_view<BY>(y.data() + start * sy, ye, count);
    loss_sum += static_cast<double>(run(xb, yb)) * count;
    seen += count;
    update_metrics<Net>(ms, pred(), yb.data(), count, sy);
    if (bar) {
      running.set("loss", loss_sum / seen);
      log_metrics(running, ms, "");
      bar->update(++step, running, start + count >= n);
    }
  }
  logs.set(std::string(prefix) + "loss", seen > 0 ? loss_sum / seen : 0.0);
  log_metrics(logs, ms, prefix);
}

/// What the callbacks see of a trainer.
template <class Tr>
class trainer_context final : public fit_context {
 public:
  explicit trainer_context(Tr& t) : fit_context(&t.optimizer().learning_rate), t_(&t) {}
  std::int64_t iterations() const override { return t_->iterations(); }
  std::vector<float> get_weights() const override {
    // Sized once: g++ 12 -O3 warns (-Wstringop-overflow, wrongly) when the vector grows by inserts here.
    std::vector<float> out(static_cast<std::size_t>(std::remove_cvref_t<decltype(t_->model())>::param_count));
    std::size_t i = 0;
    for_each_weight(t_->model(), [&](const weight_ref& w) {
      std::copy(w.values.begin(), w.values.end(), out.begin() + static_cast<std::ptrdiff_t>(i));
      i += w.values.size();
    });
    return out;
  }
  void set_weights(const std::vector<float>& values) override {
    std::size_t i = 0;
    for_each_weight(t_->model(), [&](const weight_ref& w) {
      if (i + w.values.size() > values.size()) raise(make_error(errc::element_count_mismatch, "set_weights: too few values"));
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
  raise(make_error(errc::bad_data, d.view()));
}

template <class Tr, class XV, class YV, class Metrics, class Callbacks, class Validation>
History fit_views(Tr& trainer, const XV& x_all, const YV& y_all, const fit_options& o, Metrics ms, Callbacks& cbs,
                  Validation& validation) {
  using Net = typename Tr::model_type;
  using SX = typename XV::shape;
  using SY = typename YV::shape;
  using TX = typename XV::value_type;  // float, or int32 token ids
  using TY = typename YV::value_type;
  using BX = replace_extent_t<SX, 0, dyn>;
  using BY = replace_extent_t<SY, 0, dyn>;
  constexpr bool has_validation_data = std::tuple_size_v<Validation> > 0;

  using Loss = typename Tr::loss_type;
  check_fit_data<Net, Loss>(x_all, y_all);
  if constexpr (has_validation_data) check_fit_data<Net, Loss>(std::get<0>(validation).x, std::get<0>(validation).y);
  if (o.epochs < 0 || o.batch_size < 1 || o.initial_epoch < 0)
    raise(make_error(errc::invalid_option, "fit: epochs and initial_epoch must be at least 0, batch_size at least 1"));
  if (!(o.validation_split >= 0.0 && o.validation_split < 1.0))
    raise(make_error(errc::invalid_option, "fit: validation_split must be in [0, 1)"));

  // Keras' train_validation_split: the last samples, before shuffling.
  const int n_all = x_all.template extent<0>();
  int n = n_all;
  if (!has_validation_data && o.validation_split > 0.0) {
    n = static_cast<int>(std::floor(n_all * (1.0 - o.validation_split)));
    if (n == 0 || n == n_all) {
      static_text<240> d("training data contains ");
      d.append(n_all).append(" samples, which is not sufficient to split it into a validation and training set as "
                             "specified by validation_split");
      raise(make_error(errc::invalid_option, d.view()));
    }
  }
  if (n == 0) raise(make_error(errc::bad_data, "fit: there are no training samples"));
  const auto xe = x_all.extents();
  const auto ye = y_all.extents();
  const std::ptrdiff_t sx = per_sample(xe), sy = per_sample(ye);
  const int split_rows = n_all - n;
  const auto x_val = batch_view<BX>(x_all.data() + static_cast<std::ptrdiff_t>(n) * sx, xe, split_rows);
  const auto y_val = batch_view<BY>(y_all.data() + static_cast<std::ptrdiff_t>(n) * sy, ye, split_rows);
  const bool validates = has_validation_data || split_rows > 0;

  const int batch_size = std::min(o.batch_size, n);
  const int steps = (n + batch_size - 1) / batch_size;
  std::FILE* out = o.output ? o.output : stdout;
  const bool dynamic = o.verbose == 1 && is_terminal(out);

  // One batch of gathered samples, for the whole of training.
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::unique_ptr<TX[], aligned_delete> x_buffer;
  std::unique_ptr<TY[], aligned_delete> y_buffer;
  if (o.shuffle) {
    x_buffer.reset(aligned_new<TX>(batch_size * sx));
    y_buffer.reset(aligned_new<TY>(batch_size * sy));
  }
  rng shuffle_rng(o.seed);

  trainer_context<Tr> ctx(trainer);
  ctx.epochs = o.epochs;
  ctx.steps = steps;
  ctx.out = out;
  History history;
  Logs batch_logs;  // the same keys every batch: set in place, no allocation after the first
  Logs logs;
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
    for_each_in(ms, [](auto& m) { m.reset(); });
    double loss_sum = 0.0;
    int seen = 0;
    for (int b = 0; b < steps; ++b) {
      const int start = b * batch_size;
      const int count = std::min(batch_size, n - start);
      const TX* xp = x_all.data() + static_cast<std::ptrdiff_t>(start) * sx;
      const TY* yp = y_all.data() + static_cast<std::ptrdiff_t>(start) * sy;
      if (o.shuffle) {
        for (int i = 0; i < count; ++i) {
          const std::ptrdiff_t s = order[static_cast<std::size_t>(start + i)];
          std::copy_n(x_all.data() + s * sx, sx, x_buffer.get() + i * sx);
          std::copy_n(y_all.data() + s * sy, sy, y_buffer.get() + i * sy);
        }
        xp = x_buffer.get();
        yp = y_buffer.get();
      }
      const auto xb = batch_view<BX>(xp, xe, count);
      const auto yb = batch_view<BY>(yp, ye, count);
      for_each_in(cbs, [&](auto& c) {
        if constexpr (requires { c.batch_begin(b, ctx); }) c.batch_begin(b, ctx);
      });
      const float l = trainer.step(xb, yb);
      if (!std::isfinite(l)) {
        bar.end_line();
        raise_non_finite_loss(l, epoch + 1, o.epochs, b + 1, steps);
      }
      loss_sum += static_cast<double>(l) * count;
      seen += count;
      update_metrics<Net>(ms, trainer.output().data(), yp, count, sy);
      batch_logs.set("loss", loss_sum / seen);
      log_metrics(batch_logs, ms, "");
      bar.update(b + 1, batch_logs, false);
      for_each_in(cbs, [&](auto& c) {
        if constexpr (requires { c.batch_end(b, std::as_const(batch_logs), ctx); })
          c.batch_end(b, std::as_const(batch_logs), ctx);
      });
    }
    logs = batch_logs;
    if (validates) {
      auto vm = ms;
      auto run = [&](const auto& xb, const auto& yb) { return trainer.test_step(xb, yb); };
      auto pred = [&] { return trainer.output().data(); };
      if constexpr (has_validation_data)
        evaluate_batches<Net>(std::get<0>(validation).x, std::get<0>(validation).y, o.batch_size, vm, run, pred, logs,
                              "val_", nullptr);
      else
        evaluate_batches<Net>(x_val, y_val, o.batch_size, vm, run, pred, logs, "val_", nullptr);
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
    const TensorView<const detail::input_element_t<typename Tr::model_type>, typename X::shape> xv = x;
    const TensorView<const typename Y::value_type, typename Y::shape> yv = y;
    return detail::fit_views(trainer, xv, yv, options, std::move(ms), cbs, validation);
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

namespace detail {
template <class Net, class Loss, class XV, class YV, class Metrics>
auto evaluate_model(const Net& net, const Loss& loss, const XV& x, const YV& y, const evaluate_options& o, Metrics ms) {
  check_fit_data<Net, Loss>(x, y);
  if (o.batch_size < 1) raise(make_error(errc::invalid_option, "evaluate: batch_size must be at least 1"));
  const int n = x.template extent<0>();
  const int batch = std::max(1, std::min(o.batch_size, n));
  constexpr std::ptrdiff_t out = sample_size<typename Net::output_shape>;
  constexpr std::ptrdiff_t cols = output_cols<Net>;
  std::unique_ptr<float[], aligned_delete> pred(aligned_new<float>(batch * out));
  bool logits = false;
  if constexpr (requires { loss.from_logits; }) logits = loss.from_logits;
  auto run = [&](const auto& xb, const auto& yb) {
    const int count = xb.template extent<0>();
    net.forward(xb, TensorView<float, prepend_t<dyn, typename Net::output_shape>>(pred.get(), {count}));
    const std::ptrdiff_t rows = count * out / cols;
    return reduce_loss(loss, pred.get(), yb.data(), rows, cols, logits);
  };
  std::FILE* stream = o.output ? o.output : stdout;
  std::unique_ptr<progress_bar> bar;
  if (o.verbose > 0) bar = std::make_unique<progress_bar>(stream, (n + batch - 1) / batch, o.verbose, o.verbose == 1 && is_terminal(stream));
  Logs logs;
  evaluate_batches<Net>(x, y, batch, ms, run, [&] { return static_cast<const float*>(pred.get()); }, logs, "", bar.get());
  return logs;
}

template <class Metrics>
auto logs_to_array(const Logs& logs) {
  std::array<double, 1 + std::tuple_size_v<Metrics>> r{};
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
  using Result = decltype(detail::logs_to_array<decltype(metric_tuple)>(Logs{}));
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
    const TensorView<const detail::input_element_t<Net>, typename X::shape> xv = x;
    const TensorView<const typename Y::value_type, typename Y::shape> yv = y;
    return detail::logs_to_array<decltype(metric_tuple)>(
        detail::evaluate_model(detail::model_of(net), loss, xv, yv, options, std::move(metric_tuple)));
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

/// The same with a trainer's model and loss (Keras' evaluate after compile).
template <class Tr, class X, class Y, class... Ms>
  requires detail::is_trainer_v<Tr> && is_tensor<X>::value && is_tensor<Y>::value
auto evaluate(Tr& trainer, const X& x, const Y& y, const evaluate_options& options, Ms&&... ms) {
  return evaluate(trainer.model(), x, y, trainer.loss(), options, std::forward<Ms>(ms)...);
}
template <class Tr, class X, class Y, class... Ms>
  requires detail::is_trainer_v<Tr> && is_tensor<X>::value && is_tensor<Y>::value &&
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
    if (batch_size < 1) raise(make_error(errc::invalid_option, "predict: batch_size must be at least 1"));
    const TensorView<const detail::input_element_t<Net>, SX> xv = x;
    const int n = xv.template extent<0>();
    Tensor<float, Out> y(n);
    const auto xe = xv.extents();
    const std::ptrdiff_t sx = detail::per_sample(xe);
    constexpr std::ptrdiff_t out = detail::sample_size<typename Net::output_shape>;
    const auto& model = detail::model_of(net);
    for (int start = 0; start < n; start += batch_size) {
      const int count = std::min(batch_size, n - start);
      model.forward(detail::batch_view<replace_extent_t<SX, 0, dyn>>(xv.data() + start * sx, xe, count),
                    TensorView<float, Out>(y.data() + start * out, {count}));
    }
    return y;
  } else {
    return detail::failed_model_output{};
  }
}


}  // namespace tshape
