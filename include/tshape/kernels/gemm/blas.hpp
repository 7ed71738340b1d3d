// The BLAS side of the GEMM dispatch, and what a user can ask about it.
//
// Debian's OpenBLAS chooses its kernels when it loads, from the CPU model. On CPUs it does not know
// it falls back to generic SSE kernels that run at a fraction of the machine's speed; the only cure
// is the environment variable OPENBLAS_CORETYPE (read at load time). blas_info() says which kernels
// run, and whether they look like such a fallback.
//
// tshape runs its large products on its own thread pool (threads/thread_pool.hpp), in blocks of
// rows, each a one-thread BLAS call. OpenBLAS' threads on top of the pool would ask for more cores
// than there are, and they spin while they wait, taking cores from the pool's. So before tshape's
// first BLAS call OpenBLAS is set to one thread, unless the program chose a count with
// set_blas_threads; with several BLAS threads chosen, tshape leaves its BLAS products to them.
#pragma once
#include <atomic>
#include <string_view>

#include "../../config.hpp"
#include "../../threads/thread_pool.hpp"

#ifndef TSHAPE_NO_BLAS
#include <cblas.h>
// OpenBLAS' own queries, declared weak so that another CBLAS (or none of these symbols) still links.
extern "C" {
__attribute__((weak)) char* openblas_get_corename(void);
__attribute__((weak)) int openblas_get_num_threads(void);
__attribute__((weak)) void openblas_set_num_threads(int);
}
#endif

namespace tshape {

struct blas_description {
  const char* library;  // "OpenBLAS", "CBLAS" (another implementation) or "none"
  const char* core;     // OpenBLAS' kernel family, e.g. "SkylakeX", "Haswell", "Prescott"
  int threads;
  bool generic_core;    // true when the kernels are a generic fallback on a CPU with AVX2 or AVX-512
  const char* advice;   // what to do about a generic fallback, or ""
};

/// Which BLAS runs Dense's large products, and whether it runs its fast kernels.
inline blas_description blas_info() {
#ifdef TSHAPE_NO_BLAS
  return {"none", "tshape portable kernels", 1, false, ""};
#else
  if (openblas_get_corename == nullptr) return {"CBLAS", "unknown", 1, false, ""};
  const char* core = openblas_get_corename();
  const std::string_view c = core ? core : "";
  const bool old_core = c == "Prescott" || c == "Core2" || c == "Penryn" || c == "Dunnington" || c == "Nehalem" ||
                        c == "Atom" || c == "Generic" || c == "Barcelona" || c == "Opteron" || c == "Katmai";
  bool wide_cpu = false;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  wide_cpu = __builtin_cpu_supports("avx2");
  const bool avx512 = __builtin_cpu_supports("avx512f");
#else
  const bool avx512 = false;
#endif
  const bool generic = old_core && wide_cpu;
  const char* advice = !generic ? ""
                       : avx512 ? "OpenBLAS runs generic kernels on this AVX-512 CPU: start the program with "
                                  "OPENBLAS_CORETYPE=SkylakeX in the environment"
                                : "OpenBLAS runs generic kernels on this AVX2 CPU: start the program with "
                                  "OPENBLAS_CORETYPE=Haswell in the environment";
  return {"OpenBLAS", core ? core : "unknown", openblas_get_num_threads ? openblas_get_num_threads() : 1, generic,
          advice};
#endif
}

namespace detail {
/// The count the program gave set_blas_threads, or 0 while it gave none.
inline std::atomic<int>& blas_threads_chosen() {
  static std::atomic<int> chosen{0};
  return chosen;
}

/// Puts OpenBLAS on one thread once, before tshape's first BLAS call, unless the program chose.
inline void claim_blas_threads() {
#ifndef TSHAPE_NO_BLAS
  static const bool claimed = [] {
    if (blas_threads_chosen().load() == 0 && openblas_set_num_threads) openblas_set_num_threads(1);
    return true;
  }();
  (void)claimed;
#endif
}
}  // namespace detail

/// How many threads BLAS runs tshape's products on (1 without OpenBLAS, and by default: tshape's
/// own pool splits them; see the top of this file).
inline int blas_threads() {
#ifndef TSHAPE_NO_BLAS
  detail::claim_blas_threads();
  if (openblas_get_num_threads) return openblas_get_num_threads();
#endif
  return 1;
}

/// Sets how many threads BLAS may use (OpenBLAS only; otherwise it does nothing). With more than
/// one, tshape's large products are split by BLAS' threads instead of tshape's pool.
inline void set_blas_threads([[maybe_unused]] int n) {
#ifndef TSHAPE_NO_BLAS
  detail::blas_threads_chosen() = n < 1 ? 1 : n;
  if (openblas_set_num_threads) openblas_set_num_threads(n);
#endif
}

namespace detail {
/// Calls rows(r0, r1) over [0, M) for one BLAS product of `work` multiply-adds: split in blocks of
/// rows (or of columns, for a matrix-vector product) over tshape's pool when BLAS runs on one thread
/// and the product is large, else at once.
template <class Rows>
void blas_rows(int M, long long work, const Rows& rows) {
  const int parts = M < 2 || blas_threads() > 1 ? 1 : parallel_parts(work, M);
  if (parts <= 1) return rows(0, M);
  parallel_for(parts, [&](int p, float*) { rows(static_cast<int>(1LL * M * p / parts), static_cast<int>(1LL * M * (p + 1) / parts)); });
}
}  // namespace detail

}  // namespace tshape
