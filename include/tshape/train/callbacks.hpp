// Keras' callbacks for fit, each a small struct with Keras' options (in Keras' order, for designated
// initializers) and Keras' rules (tf.keras 2.13):
//
//   EarlyStopping{.monitor = "val_loss", .patience = 3, .restore_best_weights = true}
//   ModelCheckpoint{.filepath = "best.npz", .save_best_only = true}     // save_weights (io/weights.hpp)
//   CSVLogger{.filename = "log.csv"}                                    // epoch,<sorted keys>
//   ExponentialDecay{.initial_learning_rate = 1e-3, .decay_steps = 100, .decay_rate = 0.9}  // per step
//   ReduceLROnPlateau{.monitor = "val_loss", .factor = 0.5, .patience = 2}
//   LearningRateScheduler{[](int epoch, double lr) { return epoch < 5 ? lr : lr * 0.9; }}
//   LambdaCallback{.on_epoch_end = [](int epoch, const Logs& logs) { ... }}
//
// A callback passed as an lvalue is used in place (its state, e.g. EarlyStopping::stopped_epoch, can
// be read afterwards); a temporary is moved into the fit call. Terminating on a NaN loss is built into
// fit. A callback of one's own is a struct with any of these members (fit_context: below):
//   void train_begin(fit_context&);                       void train_end(fit_context&);
//   void epoch_begin(int epoch, fit_context&);            void epoch_end(int epoch, Logs& logs, fit_context&);
//   void batch_begin(int batch, fit_context&);            void batch_end(int batch, const Logs& logs, fit_context&);
// Epochs and batches count from 0, as Keras passes them. epoch_end may add to logs (ReduceLROnPlateau
// adds "lr"); the history records the logs after every callback has seen them, the progress line before.
#pragma once
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <algorithm>

#include "../diagnostics/error.hpp"
#include "../diagnostics/runtime.hpp"
#include "history.hpp"

namespace tshape {

/// What a callback sees of the training (Keras' self.model and self.params).
class fit_context {
 public:
  bool stop_training = false;  // Keras' model.stop_training: fit stops after this epoch
  int epochs = 0;              // params: the epochs asked for
  int steps = 0;               // params: batches per epoch
  std::FILE* out = nullptr;    // where a callback's verbose messages go (fit's output)

  /// The optimizer's learning rate, to read or to set.
  float& learning_rate() { return *learning_rate_; }
  /// Updates applied so far (Keras' optimizer.iterations).
  virtual std::int64_t iterations() const = 0;
  /// Every parameter array of the model, in get_weights() order, as one flat array.
  virtual std::vector<float> get_weights() const = 0;
  virtual void set_weights(const std::vector<float>& values) = 0;
  /// The model's weights as an .npz archive (io/weights.hpp's save_weights).
  virtual void save_weights(const std::string& path) = 0;

 protected:
  explicit fit_context(float* learning_rate) : learning_rate_(learning_rate) {}
  ~fit_context() = default;
  fit_context(const fit_context&) = default;
  fit_context& operator=(const fit_context&) = default;

 private:
  float* learning_rate_;
};

/// Which way a monitored value improves; automatic: Keras' 'auto' (each callback's own rule).
enum class monitor_mode { automatic, min, max };

namespace detail {
inline bool ends_with(std::string_view s, std::string_view end) {
  return s.size() >= end.size() && s.substr(s.size() - end.size()) == end;
}

/// A logged value that is missing: Keras warns and carries on.
inline void warn_missing(std::string_view who, std::string_view monitor, const Logs& logs) {
  std::string available;
  for (const auto& [k, v] : logs) available += (available.empty() ? "" : ",") + k;
  std::fprintf(stderr, "tshape: %.*s is conditioned on metric `%.*s` which is not available. Available metrics are: %s\n",
               static_cast<int>(who.size()), who.data(), static_cast<int>(monitor.size()), monitor.data(),
               available.c_str());
}

/// Python's repr of a float32 value seen as a Python float (what Keras' CSVLogger writes): the shortest
/// digits that read back, fixed notation for exponents in [-4, 16), else "1e-05".
inline std::string python_float_repr(double value) {
  const double v = static_cast<double>(static_cast<float>(value));
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto r = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::scientific);
  std::string s(buffer, r.ptr);
  const auto e = s.find('e');
  const int exponent = std::stoi(s.substr(e + 1));
  std::string sign, digits;
  for (char c : s.substr(0, e)) {
    if (c == '-') sign = "-";
    else if (c != '.') digits += c;
  }
  if (exponent < -4 || exponent >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char ex[16];
    std::snprintf(ex, sizeof ex, "e%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
    return out + ex;
  }
  if (exponent < 0) return sign + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  const auto int_digits = static_cast<std::size_t>(exponent + 1);
  if (digits.size() <= int_digits) return sign + digits + std::string(int_digits - digits.size(), '0') + ".0";
  return sign + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

/// Keras' file names with fields: "w-{epoch:02d}-{val_loss:.2f}.npz" (epoch counted from 1).
inline std::string format_filepath(std::string_view pattern, int epoch, const Logs& logs) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto close = pattern.find('}', i);
    if (pattern[i] != '{' || close == std::string_view::npos) {
      out += pattern[i];
      continue;
    }
    const std::string_view field = pattern.substr(i + 1, close - i - 1);
    const auto colon = field.find(':');
    const std::string_view name = field.substr(0, colon);
    const std::string spec = colon == std::string_view::npos ? "" : std::string(field.substr(colon + 1));
    char buffer[64];
    if (name == "epoch") {
      std::snprintf(buffer, sizeof buffer, ("%" + (spec.empty() ? std::string("d") : spec)).c_str(), epoch);
      out += buffer;
    } else if (const double* v = logs.find(name)) {
      if (spec.empty()) {
        out += python_float_repr(*v);
      } else {
        std::snprintf(buffer, sizeof buffer, ("%" + spec).c_str(), *v);
        out += buffer;
      }
    } else {
      static_text<200> d("ModelCheckpoint: the file name asks for \"");
      d.append(name).append("\", which the logs do not have");
      raise(make_error(errc::invalid_argument, d.view()));
    }
    i = close;
  }
  return out;
}
}  // namespace detail

/// Stops training when a monitored value has stopped improving (Keras' EarlyStopping).
struct EarlyStopping {
  std::string monitor = "val_loss";
  double min_delta = 0.0;             // a smaller change is no improvement
  int patience = 0;                   // epochs without improvement before stopping
  int verbose = 0;
  monitor_mode mode = monitor_mode::automatic;  // automatic: max for names ending in acc/accuracy/auc
  std::optional<double> baseline{};   // the value to beat; without it, any first value is an improvement
  bool restore_best_weights = false;  // when stopping, the weights of the best epoch come back
  int start_from_epoch = 0;           // epochs of warm-up that are not watched

  // State, readable after fit.
  int wait = 0;
  int stopped_epoch = 0;  // the epoch (from 0) it stopped at; 0 when it did not stop
  int best_epoch = 0;
  double best = 0.0;
  std::vector<float> best_weights{};

  bool maximizes() const {
    if (mode != monitor_mode::automatic) return mode == monitor_mode::max;
    return detail::ends_with(monitor, "acc") || detail::ends_with(monitor, "accuracy") || detail::ends_with(monitor, "auc");
  }
  bool improves(double current, double reference) const {
    return maximizes() ? current - std::fabs(min_delta) > reference : current + std::fabs(min_delta) < reference;
  }

  void train_begin(fit_context&) {
    wait = stopped_epoch = best_epoch = 0;
    best = maximizes() ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    best_weights.clear();
  }
  void epoch_end(int epoch, Logs& logs, fit_context& ctx) {
    const double* current = logs.find(monitor);
    if (!current) {
      detail::warn_missing("Early stopping", monitor, logs);
      return;
    }
    if (epoch < start_from_epoch) return;
    if (restore_best_weights && best_weights.empty()) best_weights = ctx.get_weights();
    ++wait;
    if (improves(*current, best)) {
      best = *current;
      best_epoch = epoch;
      if (restore_best_weights) best_weights = ctx.get_weights();
      if (!baseline || improves(*current, *baseline)) wait = 0;
      return;
    }
    if (wait >= patience && epoch > 0) {
      stopped_epoch = epoch;
      ctx.stop_training = true;
      if (restore_best_weights && !best_weights.empty()) {
        if (verbose > 0 && ctx.out)
          std::fprintf(ctx.out, "Restoring model weights from the end of the best epoch: %d.\n", best_epoch + 1);
        ctx.set_weights(best_weights);
      }
    }
  }
  void train_end(fit_context& ctx) {
    if (stopped_epoch > 0 && verbose > 0 && ctx.out) std::fprintf(ctx.out, "Epoch %d: early stopping\n", stopped_epoch + 1);
  }
};

/// Saves the weights at the end of each epoch, or only when the monitored value improved (Keras'
/// ModelCheckpoint with save_weights_only: an .npz of io/weights.hpp). The file name may hold
/// "{epoch:02d}" (from 1) and "{val_loss:.2f}"-style fields.
struct ModelCheckpoint {
  std::string filepath;
  std::string monitor = "val_loss";
  int verbose = 0;
  bool save_best_only = false;
  monitor_mode mode = monitor_mode::automatic;  // automatic: max when the name holds "acc"

  double best = 0.0;

  bool maximizes() const {
    if (mode != monitor_mode::automatic) return mode == monitor_mode::max;
    return monitor.find("acc") != std::string::npos || monitor.rfind("fmeasure", 0) == 0;
  }
  void train_begin(fit_context&) {
    best = maximizes() ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  void epoch_end(int epoch, Logs& logs, fit_context& ctx) {
    const std::string path = detail::format_filepath(filepath, epoch + 1, logs);
    if (!save_best_only) {
      if (verbose > 0 && ctx.out) std::fprintf(ctx.out, "\nEpoch %d: saving model to %s\n", epoch + 1, path.c_str());
      ctx.save_weights(path);
      return;
    }
    const double* current = logs.find(monitor);
    if (!current) {
      detail::warn_missing("Can save best model only with", monitor, logs);
      return;
    }
    if (maximizes() ? *current > best : *current < best) {
      if (verbose > 0 && ctx.out)
        std::fprintf(ctx.out, "\nEpoch %d: %s improved from %.5f to %.5f, saving model to %s\n", epoch + 1, monitor.c_str(),
                     best, *current, path.c_str());
      best = *current;
      ctx.save_weights(path);
    } else if (verbose > 0 && ctx.out) {
      std::fprintf(ctx.out, "\nEpoch %d: %s did not improve from %.5f\n", epoch + 1, monitor.c_str(), best);
    }
  }
};

/// Writes each epoch's logs to a CSV file (Keras' CSVLogger): "epoch,<the keys, sorted>", one row per
/// epoch, the epoch from 0, values as Python prints them.
struct CSVLogger {
  std::string filename;
  char separator = ',';
  bool append = false;  // add to an existing file (its header is kept)

  struct closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, closer> file{};
  std::vector<std::string> keys{};
  bool header_written = false;

  void train_begin(fit_context&) {
    header_written = false;
    keys.clear();
    if (append) {
      if (std::FILE* existing = std::fopen(filename.c_str(), "r")) {
        header_written = std::fgetc(existing) != EOF;
        std::fclose(existing);
      }
    }
    file.reset(std::fopen(filename.c_str(), append ? "a" : "w"));
    if (!file) {
      static_text<300> d("CSVLogger cannot open ");
      d.append(filename);
      raise(make_error(errc::file_error, d.view()));
    }
  }
  void epoch_end(int epoch, Logs& logs, fit_context&) {
    if (!file) return;
    if (keys.empty()) {
      for (const auto& [k, v] : logs) keys.push_back(k);
      std::sort(keys.begin(), keys.end());
    }
    if (!header_written) {
      std::fputs("epoch", file.get());
      for (const auto& k : keys) std::fprintf(file.get(), "%c%s", separator, k.c_str());
      std::fputc('\n', file.get());
      header_written = true;
    }
    std::fprintf(file.get(), "%d", epoch);
    for (const auto& k : keys) {
      const double* v = logs.find(k);
      std::fprintf(file.get(), "%c%s", separator, v ? detail::python_float_repr(*v).c_str() : "NA");
    }
    std::fputc('\n', file.get());
    std::fflush(file.get());
  }
  void train_end(fit_context&) { file.reset(); }
};

/// Keras' ExponentialDecay schedule, applied before every step: lr = initial * rate^(step / decay_steps)
/// (step: the optimizer's iterations; staircase: step / decay_steps rounded down).
struct ExponentialDecay {
  double initial_learning_rate = -1.0;  // below 0: the optimizer's learning rate when training begins
  double decay_steps = 1.0;
  double decay_rate = 1.0;
  bool staircase = false;

  double learning_rate_at(std::int64_t step) const {
    double p = static_cast<double>(step) / decay_steps;
    if (staircase) p = std::floor(p);
    return initial_learning_rate * std::pow(decay_rate, p);
  }
  void train_begin(fit_context& ctx) {
    if (decay_steps <= 0) raise(make_error(errc::invalid_argument, "ExponentialDecay: decay_steps must be positive"));
    if (initial_learning_rate < 0) initial_learning_rate = ctx.learning_rate();
  }
  void batch_begin(int, fit_context& ctx) { ctx.learning_rate() = static_cast<float>(learning_rate_at(ctx.iterations())); }
};

/// Multiplies the learning rate by `factor` when a monitored value has stopped improving (Keras'
/// ReduceLROnPlateau); logs "lr" (the rate the epoch ran with).
struct ReduceLROnPlateau {
  std::string monitor = "val_loss";
  double factor = 0.1;
  int patience = 10;
  int verbose = 0;
  monitor_mode mode = monitor_mode::automatic;  // automatic: max when the name holds "acc"
  double min_delta = 1e-4;
  int cooldown = 0;
  double min_lr = 0.0;

  int wait = 0;
  int cooldown_counter = 0;
  double best = 0.0;

  bool maximizes() const {
    if (mode != monitor_mode::automatic) return mode == monitor_mode::max;
    return monitor.find("acc") != std::string::npos;
  }
  void train_begin(fit_context&) {
    if (factor >= 1.0) raise(make_error(errc::invalid_argument, "ReduceLROnPlateau does not support a factor >= 1.0"));
    wait = cooldown_counter = 0;
    best = maximizes() ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  void epoch_end(int epoch, Logs& logs, fit_context& ctx) {
    logs.set("lr", ctx.learning_rate());
    const double* current = logs.find(monitor);
    if (!current) {
      detail::warn_missing("Learning rate reduction", monitor, logs);
      return;
    }
    if (cooldown_counter > 0) {
      --cooldown_counter;
      wait = 0;
    }
    const bool better = maximizes() ? *current > best + min_delta : *current < best - min_delta;
    if (better) {
      best = *current;
      wait = 0;
    } else if (cooldown_counter <= 0) {
      if (++wait >= patience) {
        const float old_lr = ctx.learning_rate();
        if (old_lr > static_cast<float>(min_lr)) {
          const double new_lr = std::max(static_cast<double>(old_lr) * factor, min_lr);
          ctx.learning_rate() = static_cast<float>(new_lr);
          if (verbose > 0 && ctx.out)
            std::fprintf(ctx.out, "\nEpoch %d: ReduceLROnPlateau reducing learning rate to %g.\n", epoch + 1, new_lr);
          cooldown_counter = cooldown;
          wait = 0;
        }
      }
    }
  }
};

/// Sets the learning rate at the start of each epoch to schedule(epoch, lr) (Keras'
/// LearningRateScheduler; epochs from 0); logs "lr".
struct LearningRateScheduler {
  std::function<double(int epoch, double lr)> schedule;
  int verbose = 0;

  void epoch_begin(int epoch, fit_context& ctx) {
    const double lr = schedule(epoch, static_cast<double>(ctx.learning_rate()));
    ctx.learning_rate() = static_cast<float>(lr);
    if (verbose > 0 && ctx.out)
      std::fprintf(ctx.out, "\nEpoch %d: LearningRateScheduler setting learning rate to %g.\n", epoch + 1, lr);
  }
  void epoch_end(int, Logs& logs, fit_context& ctx) { logs.set("lr", ctx.learning_rate()); }
};

/// A user's functions at the points of training (Keras' LambdaCallback); any may be left empty.
struct LambdaCallback {
  std::function<void(int epoch, const Logs& logs)> on_epoch_begin{};
  std::function<void(int epoch, const Logs& logs)> on_epoch_end{};
  std::function<void(int batch, const Logs& logs)> on_batch_begin{};
  std::function<void(int batch, const Logs& logs)> on_batch_end{};
  std::function<void(const Logs& logs)> on_train_begin{};
  std::function<void(const Logs& logs)> on_train_end{};

  void train_begin(fit_context&) {
    if (on_train_begin) on_train_begin(Logs{});
  }
  void train_end(fit_context&) {
    if (on_train_end) on_train_end(Logs{});
  }
  void epoch_begin(int epoch, fit_context&) {
    if (on_epoch_begin) on_epoch_begin(epoch, Logs{});
  }
  void epoch_end(int epoch, Logs& logs, fit_context&) {
    if (on_epoch_end) on_epoch_end(epoch, logs);
  }
  void batch_begin(int batch, fit_context&) {
    if (on_batch_begin) on_batch_begin(batch, Logs{});
  }
  void batch_end(int batch, const Logs& logs, fit_context&) {
    if (on_batch_end) on_batch_end(batch, logs);
  }
};

/// Whether C has at least one of the callback members above.
template <class C>
concept callback = requires(C& c, fit_context& ctx, Logs& logs) {
  requires requires { c.train_begin(ctx); } || requires { c.train_end(ctx); } || requires { c.epoch_begin(0, ctx); } ||
               requires { c.epoch_end(0, logs, ctx); } || requires { c.batch_begin(0, ctx); } ||
               requires { c.batch_end(0, std::as_const(logs), ctx); };
};

}  // namespace tshape
