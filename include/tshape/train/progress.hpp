// fit's progress output in tf.keras 2's layout (its Progbar), written to a FILE* (stdout by default).
//
//   Epoch 3/10                                                  (when there is more than one epoch)
//   12/32 [========>.....................] - ETA: 0s - loss: 0.4123 - accuracy: 0.8750
//   32/32 [==============================] - 0s 2ms/step - loss: 0.3120 - accuracy: 0.9062 - val_loss: 0.3301 - val_accuracy: 0.9000
//
// verbose 1 on a terminal: the bar is redrawn in place (at most every 50 ms) with the running values;
// verbose 1 elsewhere (a file, a pipe): only the epoch's final line; verbose 2: one line per epoch,
// "32/32 - 0s - loss: 0.3120 - 0s/epoch - 2ms/step"; verbose 0: nothing. Values print with 4
// decimals ("%.4e" when |v| <= 1e-3, as Keras). Needs a hosted C library: not part of embedded builds.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "history.hpp"

#if defined(_WIN32)
#include <io.h>

#include <chrono>
#else
#include <time.h>
#include <unistd.h>
#endif

namespace tshape {

namespace detail {
/// Seconds on a monotonic clock. POSIX's clock_gettime rather than std::chrono::steady_clock (the
/// same clock on Linux): in C++20 <chrono> is among the costliest standard headers to compile, and
/// every program including tshape.hpp would pay for it.
struct monotonic_clock {
  using time_point = double;
  static double now() {
#if defined(_WIN32)
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
#else
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
#endif
  }
};

/// Whether `f` is a terminal (Keras' _dynamic_display: sys.stdout.isatty()).
inline bool is_terminal(std::FILE* f) {
#if defined(_WIN32)
  return _isatty(_fileno(f)) != 0;
#else
  return isatty(fileno(f)) != 0;
#endif
}

template <class... A>
void append_format(std::string& out, const char* format, A... args) {
  char buffer[64];
  const int n = std::snprintf(buffer, sizeof buffer, format, args...);
  if (n > 0) out.append(buffer, static_cast<std::size_t>(n) < sizeof buffer ? static_cast<std::size_t>(n) : sizeof buffer - 1);
}

/// Keras' Progbar._format_time: " 2s/step", " 15ms/step", " 80us/step".
inline void append_time(std::string& out, double seconds, const char* unit) {
  if (seconds >= 1.0 || seconds == 0.0)
    append_format(out, " %.0fs/%s", seconds, unit);
  else if (seconds >= 1e-3)
    append_format(out, " %.0fms/%s", seconds * 1e3, unit);
  else
    append_format(out, " %.0fus/%s", seconds * 1e6, unit);
}

/// " - loss: 0.3120 - accuracy: 0.9062" (Keras: "%.4f", or "%.4e" for |v| <= 1e-3).
inline void append_values(std::string& out, const Logs& values) {
  for (const auto& [key, v] : values) {
    out += " - ";
    out += key;
    append_format(out, std::fabs(v) > 1e-3 ? ": %.4f" : ": %.4e", v);
  }
}

inline int digit_count(int n) {
  int d = 1;
  while (n >= 10) n /= 10, ++d;
  return d;
}
}  // namespace detail

/// One epoch's progress over `target` steps (Keras' Progbar with a known target).
class progress_bar {
  using clock = detail::monotonic_clock;

 public:
  /// verbose 1 or 2; `dynamic`: redraw in place (a terminal). width: the bar's characters.
  progress_bar(std::FILE* out, int target, int verbose, bool dynamic, int width = 30)
      : out_(out), target_(target), verbose_(verbose), dynamic_(dynamic), width_(width), start_(clock::now()) {}

  /// Shows step `current` of the target with `values`; `finalize` ends the epoch's line.
  void update(int current, const Logs& values, bool finalize = false) {
    const auto now = clock::now();
    const double time_per_step = step_duration(current, now);
    if (verbose_ == 1) {
      if (!finalize && (!dynamic_ || (drawn_ && seconds(last_update_, now) < 0.05))) return;
      std::string& line = line_;  // reused: no allocation once it is long enough
      line.clear();
      if (dynamic_) line += '\r';
      detail::append_format(line, "%*d/%d [", detail::digit_count(target_), current, target_);
      const int filled = target_ > 0 ? static_cast<int>(width_ * (static_cast<double>(current) / target_)) : width_;
      if (filled > 0) {
        line.append(static_cast<std::size_t>(filled - 1), '=');
        line += current < target_ ? '>' : '=';
      }
      line.append(static_cast<std::size_t>(width_ - std::min(filled, width_)), '.');
      line += ']';
      if (finalize) {
        detail::append_format(line, " - %.0fs", seconds(start_, now));
        detail::append_time(line, time_per_step, "step");
      } else {
        const double eta = time_per_step * (target_ - current);
        if (eta > 3600)
          detail::append_format(line, " - ETA: %d:%02d:%02d", static_cast<int>(eta / 3600),
                                static_cast<int>(std::fmod(eta, 3600) / 60), static_cast<int>(std::fmod(eta, 60)));
        else if (eta > 60)
          detail::append_format(line, " - ETA: %d:%02d", static_cast<int>(eta / 60), static_cast<int>(std::fmod(eta, 60)));
        else
          detail::append_format(line, " - ETA: %ds", static_cast<int>(eta));
      }
      detail::append_values(line, values);
      // Blank out what a longer previous line left on the terminal.
      const int width = static_cast<int>(line.size()) - (dynamic_ ? 1 : 0);
      if (dynamic_ && width < drawn_width_) line.append(static_cast<std::size_t>(drawn_width_ - width), ' ');
      drawn_width_ = width;
      if (finalize) {
        line += '\n';
        finished_ = true;
      }
      std::fputs(line.c_str(), out_);
      std::fflush(out_);
      drawn_ = true;
      last_update_ = now;
    } else if (verbose_ == 2 && finalize) {
      std::string& line = line_;  // reused: no allocation once it is long enough
      line.clear();
      detail::append_format(line, "%*d/%d", detail::digit_count(target_), current, target_);
      const double epoch_seconds = seconds(start_, now);
      detail::append_format(line, " - %.0fs", epoch_seconds);
      detail::append_values(line, values);
      line += " -";
      detail::append_time(line, epoch_seconds, "epoch");
      line += " -";
      detail::append_time(line, target_ > 0 ? epoch_seconds / target_ : 0.0, "step");
      line += '\n';
      std::fputs(line.c_str(), out_);
      std::fflush(out_);
    }
  }

  /// Whether a line was left unfinished on the terminal (to end it before an error is shown).
  bool mid_line() const { return dynamic_ && drawn_ && !finished_; }
  void end_line() {
    if (mid_line()) std::fputc('\n', out_);
    finished_ = true;
  }

 private:
  static double seconds(clock::time_point a, clock::time_point b) { return b - a; }

  // Keras' estimate: after the first step, the mean over the steps after it (the first one warms up).
  double step_duration(int current, clock::time_point now) {
    if (current <= 0) return 0.0;
    double t;
    if (after_first_ && current > 1)
      t = seconds(first_step_end_, now) / (current - 1);
    else
      t = seconds(start_, now) / current;
    if (current == 1) {
      first_step_end_ = now;
      after_first_ = true;
    }
    return t;
  }

  std::FILE* out_;
  int target_;
  int verbose_;
  bool dynamic_;
  int width_;
  clock::time_point start_;
  clock::time_point last_update_{};
  clock::time_point first_step_end_{};
  bool after_first_ = false;
  bool drawn_ = false;
  bool finished_ = false;
  int drawn_width_ = 0;
  std::string line_;
};

}  // namespace tshape
