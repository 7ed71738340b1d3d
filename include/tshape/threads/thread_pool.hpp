// One sample's work on several cores: a small fork-join pool that a layer splits its work across
// (a convolution its output rows), shared by every model of the program.
//
//   tshape::set_threads(4);   // the shared pool: the caller and 3 workers (default: the hardware's cores)
//   tshape::set_threads(1);   // every layer on the calling thread alone, as without the pool
//
// A layer asks for the pool only when its work is large enough to gain from it (parallel_rows'
// threshold); below that, and under TSHAPE_NO_THREADS (defined with TSHAPE_NO_HEAP, or where the
// standard library has no threads), everything runs on the calling thread.
//
// Workers spin for a short while after each job (the next layer's job usually follows within
// microseconds), then sleep. A model called from several threads at once stays correct: the pool
// takes one job at a time, and a call that finds it busy runs its tasks on its own thread. The pool
// allocates when it starts its threads, and when a job asks its workers for more working memory than
// any job before (a convolution's padded samples): a call after the first of its shapes allocates
// nothing.
#pragma once
#include "../config.hpp"

#ifndef TSHAPE_NO_THREADS
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <utility>
#include <vector>


namespace tshape {

/// A fork-join pool: run(tasks, f) calls f(0), ..., f(tasks - 1) on its workers and the caller.
class thread_pool {
 public:
  /// `threads` counts the caller: thread_pool(1) has no workers and runs every task inline.
  explicit thread_pool(int threads) {
    const int workers = std::max(threads, 1) - 1;
    workers_.reserve(static_cast<std::size_t>(workers));
    buffers_.resize(static_cast<std::size_t>(workers));
    for (int i = 0; i < workers; ++i) workers_.emplace_back([this, i] { work(i); });
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  ~thread_pool() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (auto& t : workers_) t.join();
  }

  /// The threads a job runs on, the caller included.
  int size() const noexcept { return static_cast<int>(workers_.size()) + 1; }

  /// Calls f(t, buffer) for t in [0, tasks) and returns when every call has returned. The tasks may
  /// run in any order and at once; while another thread's job holds the pool, they run here in order.
  /// `buffer` is a worker's own `buffer_floats` floats (64-byte aligned, kept for later jobs, so
  /// that only a job asking for more than before allocates), or null on the calling thread, whose
  /// working memory is the caller's.
  template <class F>
  void run(int tasks, F&& f, std::size_t buffer_floats = 0) {
    using Fn = std::remove_reference_t<F>;
    run_job(tasks, [](void* fn, int t, float* scratch) { (*static_cast<Fn*>(fn))(t, scratch); },
            const_cast<void*>(static_cast<const void*>(std::addressof(f))), buffer_floats);
  }

 private:
  // The job, type-erased: one copy of the fork and join serves every kernel's task (a copy per task
  // type was a kilobyte of code for each layer of a model).
  TSHAPE_NOINLINE void run_job(int tasks, void (*call)(void*, int, float*), void* fn, std::size_t buffer_floats) {
    if (tasks <= 0) return;
    // Inline: one task, no workers, a task of a job asking for more (nested), or another thread's job.
    if (tasks == 1 || workers_.empty() || inside_task()) {
      for (int t = 0; t < tasks; ++t) call(fn, t, nullptr);
      return;
    }
    std::unique_lock<std::mutex> lock(busy_, std::try_to_lock);
    if (!lock.owns_lock()) {
      for (int t = 0; t < tasks; ++t) call(fn, t, nullptr);
      return;
    }
    for (auto& b : buffers_) b.reserve(buffer_floats);
    call_ = call;
    fn_ = fn;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    const std::uint64_t job = ++jobs_;
    state_.store(job << 1 | 1, std::memory_order_release);  // open: publishes the fields above
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    take_tasks(nullptr);
    wait_until([&] { return done_.load(std::memory_order_acquire) == tasks; });
    // Closed: a worker that comes later takes nothing. One that came before may still be leaving, and
    // the job (and f) live on the caller's stack: wait for it. Workers still asleep are not waited for.
    state_.store(job << 1, std::memory_order_seq_cst);
    wait_until([&] { return active_.load(std::memory_order_seq_cst) == 0; });
  }

  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
  }
  // Spins, then gives the core away: on a loaded machine the thread being waited for needs it.
  template <class Done>
  static void wait_until(const Done& done) {
    for (int spin = 0; !done(); ++spin) {
      if (spin < 1024)
        pause();
      else
        std::this_thread::yield();
    }
  }
  static bool& inside_task() noexcept {
    thread_local bool inside = false;
    return inside;
  }
  void take_tasks(float* scratch) {
    inside_task() = true;
    for (int t = next_.fetch_add(1, std::memory_order_relaxed); t < tasks_; t = next_.fetch_add(1, std::memory_order_relaxed)) {
      call_(fn_, t, scratch);
      done_.fetch_add(1, std::memory_order_release);
    }
    inside_task() = false;
  }
  void work(int index) {
    std::uint32_t seen = 0;
    for (;;) {
      // Spin a while for the next job (layers follow each other closely), then sleep.
      std::uint32_t g = generation_.load(std::memory_order_acquire);
      for (int spin = 0; g == seen; ++spin) {
        if (spin < spin_limit)
          pause();
        else
          generation_.wait(seen, std::memory_order_acquire);
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      if (stop_.load(std::memory_order_acquire)) return;
      // Enter, then look: either the caller sees this worker and waits for it, or it closed the job
      // first and the worker sees that (both orders are seq_cst).
      active_.fetch_add(1, std::memory_order_seq_cst);
      if (state_.load(std::memory_order_seq_cst) & 1) take_tasks(buffers_[static_cast<std::size_t>(index)].p);
      active_.fetch_sub(1, std::memory_order_release);
    }
  }

  // About 50-100 microseconds of pause instructions before a worker sleeps.
  static constexpr int spin_limit = 4096;

  // A worker's working memory; grown by the caller of a job (never during a worker's task).
  struct buffer {
    float* p = nullptr;
    std::size_t n = 0;
    buffer() = default;
    buffer(buffer&& o) noexcept : p(std::exchange(o.p, nullptr)), n(std::exchange(o.n, 0)) {}
    buffer& operator=(buffer&&) = delete;
    ~buffer() { ::operator delete(static_cast<void*>(p), std::align_val_t{TSHAPE_ALIGN}); }
    void reserve(std::size_t floats) {
      if (floats <= n) return;
      ::operator delete(static_cast<void*>(p), std::align_val_t{TSHAPE_ALIGN});
      p = static_cast<float*>(::operator new(floats * sizeof(float), std::align_val_t{TSHAPE_ALIGN}));
      n = floats;
    }
  };

  std::vector<std::thread> workers_;
  std::vector<buffer> buffers_;
  std::mutex busy_;  // one job at a time
  // The job: written by run() before state_ opens it (release), read by the workers that see it open.
  void (*call_)(void*, int, float*) = nullptr;
  void* fn_ = nullptr;
  int tasks_ = 0;
  std::uint64_t jobs_ = 0;
  std::atomic<int> next_{0};
  std::atomic<int> done_{0};
  std::atomic<int> active_{0};
  std::atomic<std::uint64_t> state_{0};          // job number << 1 | open
  std::atomic<std::uint32_t> generation_{0};     // what sleeping workers wait on
  std::atomic<bool> stop_{false};
};

namespace detail {
inline int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}
inline std::unique_ptr<thread_pool>& shared_pool_slot() {
  static std::unique_ptr<thread_pool> pool;
  return pool;
}
inline std::once_flag& shared_pool_once() {
  static std::once_flag once;
  return once;
}

}  // namespace detail

/// The pool every model's layers share, started on first use with the hardware's cores.
inline thread_pool& shared_pool() {
  std::call_once(detail::shared_pool_once(), [] {
    if (!detail::shared_pool_slot()) detail::shared_pool_slot() = std::make_unique<thread_pool>(detail::hardware_threads());
  });
  return *detail::shared_pool_slot();
}

/// Sizes the shared pool: `threads` counts the calling thread (1: no workers, today's behaviour).
/// Call it while no model is running (at start-up, or between calls).
inline void set_threads(int threads) {
  shared_pool();  // started, so that the once-flag is spent
  detail::shared_pool_slot() = std::make_unique<thread_pool>(std::max(threads, 1));
}

/// The shared pool's threads, the caller included.
inline int threads() { return shared_pool().size(); }

}  // namespace tshape
#endif  // TSHAPE_NO_THREADS

namespace tshape::detail {

/// Multiply-adds below which a layer's work stays on the calling thread: a fork and join cost a
/// few microseconds, about what 2^18 multiply-adds take on one core.
inline constexpr long long parallel_min_work = 1LL << 18;

/// How many parts to split `units` rows of `work` multiply-adds into (1: run them inline).
inline int parallel_parts([[maybe_unused]] long long work, [[maybe_unused]] int units) {
#ifdef TSHAPE_NO_THREADS
  return 1;
#else
  if (work < parallel_min_work || units < 2) return 1;
  return std::min(shared_pool().size(), units);
#endif
}

/// Runs f(task, buffer) for task in [0, tasks) on the shared pool (inline without threads): buffer
/// is a worker's own `buffer_floats` floats, or null on the calling thread (see thread_pool::run).
template <class F>
void parallel_for(int tasks, F&& f, [[maybe_unused]] std::size_t buffer_floats = 0) {
#ifdef TSHAPE_NO_THREADS
  for (int t = 0; t < tasks; ++t) f(t, static_cast<float*>(nullptr));
#else
  shared_pool().run(tasks, f, buffer_floats);
#endif
}

}  // namespace tshape::detail
