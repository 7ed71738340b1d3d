// The BLAS side of the GEMM dispatch, and what a user can ask about it.
//
// Debian's OpenBLAS chooses its kernels when it loads, from the CPU model. On CPUs it does not know
// it falls back to generic SSE kernels that run at a fraction of the machine's speed; the only cure
// is the environment variable OPENBLAS_CORETYPE (read at load time). blas_info() says which kernels
// run, and whether they look like such a fallback.
#pragma once
#include <string_view>

#include "../../config.hpp"

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

/// How many threads BLAS runs on (1 without OpenBLAS).
inline int blas_threads() {
#ifndef TSHAPE_NO_BLAS
  if (openblas_get_num_threads) return openblas_get_num_threads();
#endif
  return 1;
}

/// Sets how many threads BLAS may use (OpenBLAS only; otherwise it does nothing).
inline void set_blas_threads([[maybe_unused]] int n) {
#ifndef TSHAPE_NO_BLAS
  if (openblas_set_num_threads) openblas_set_num_threads(n);
#endif
}

}  // namespace tshape
