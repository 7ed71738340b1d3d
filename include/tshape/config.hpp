// Feature switches and target detection. Every other header includes this one first.
// Define a switch before including tshape (or with -D...); each is honoured by every header.
//
//   TSHAPE_NO_BLAS        no OpenBLAS: Dense runs tshape's own kernels (SIMD where the target has it,
//                         e.g. NEON, else portable). Defined automatically when <cblas.h> is not found.
//   TSHAPE_NO_EXCEPTIONS  nothing throws: a run-time error (data whose `dyn` extents break a rule, an arena
//                         too small) calls the handler installed with set_error_handler, then aborts; the
//                         try_ functions return it as a result<T> instead. Defined automatically when the
//                         compiler has exceptions switched off (-fno-exceptions). No tshape code needs RTTI.
//   TSHAPE_NO_HEAP        nothing allocates: a model lives in a static object (no make_model, weights()
//                         or print_summary), and a call that would need the heap is a compile error that
//                         says so (a `dyn` batch's result, or an arena larger than the stack allows):
//                         pass your own output and arena to forward(x, y, arena). (With exceptions on,
//                         an error is still thrown, and throwing allocates: embedded builds add -fno-exceptions.)
//   TSHAPE_STACK_ARENA_BYTES  largest activation arena a call puts on the stack (default 256 KiB); a
//                         larger one comes from the heap, or under TSHAPE_NO_HEAP from the caller.
//   TSHAPE_COMPACT_KERNELS  the smallest kernels (plain loops) instead of the register-blocked ones:
//                         for code size. Defined automatically under -Os on targets without SIMD.
//   TSHAPE_NO_THREADS     no thread pool: every layer runs on the calling thread. Defined automatically
//                         with TSHAPE_NO_HEAP and where the standard library has no <thread>.
#pragma once

#if !defined(TSHAPE_NO_EXCEPTIONS) && !defined(__cpp_exceptions)
#define TSHAPE_NO_EXCEPTIONS 1
#endif

#if !defined(TSHAPE_NO_BLAS) && defined(__has_include)
#if !__has_include(<cblas.h>)
#define TSHAPE_NO_BLAS 1
#endif
#endif

#if !defined(TSHAPE_NO_THREADS) && (defined(TSHAPE_NO_HEAP) || !__STDC_HOSTED__)
#define TSHAPE_NO_THREADS 1
#endif
#if !defined(TSHAPE_NO_THREADS) && defined(__has_include)
#if !__has_include(<thread>)
#define TSHAPE_NO_THREADS 1
#endif
#endif

#ifndef TSHAPE_STACK_ARENA_BYTES
#define TSHAPE_STACK_ARENA_BYTES (256 * 1024)
#endif

// The widest SIMD instruction set the target has, decided by the compiler flags (-march=...).
// TSHAPE_FORCE_SCALAR selects the portable kernels whatever the target (used to test them).
#if defined(TSHAPE_FORCE_SCALAR)
#define TSHAPE_SIMD_SCALAR 1
#elif defined(__AVX512F__)
#define TSHAPE_SIMD_AVX512 1
#elif defined(__AVX2__) && defined(__FMA__)
#define TSHAPE_SIMD_AVX2 1
#elif defined(__ARM_NEON) && defined(__aarch64__)
#define TSHAPE_SIMD_NEON 1
#else
#define TSHAPE_SIMD_SCALAR 1
#endif

#if !defined(TSHAPE_COMPACT_KERNELS) && defined(__OPTIMIZE_SIZE__) && defined(TSHAPE_SIMD_SCALAR)
#define TSHAPE_COMPACT_KERNELS 1
#endif

// Byte alignment of tensor storage: one cache line, enough for any SIMD load.
#define TSHAPE_ALIGN 64

#if defined(__GNUC__) || defined(__clang__)
// Forced inlining is what keeps a kernel's register tile in registers. Unoptimised (-O0) builds
// get plain inline: there nothing stays in registers anyway, and inlining the unrolled tiles into
// every caller made a sanitizer build of the tests spend 13x as long compiling.
#if defined(__OPTIMIZE__)
#define TSHAPE_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TSHAPE_ALWAYS_INLINE inline
#endif
#define TSHAPE_NOINLINE __attribute__((noinline))
#define TSHAPE_RESTRICT __restrict__
#else
#define TSHAPE_ALWAYS_INLINE inline
#define TSHAPE_NOINLINE
#define TSHAPE_RESTRICT
#endif

// Full unrolling of the loops over a register tile's rows, vectors and gates. g++ unrolls such
// loops by itself only at -O3; at -O2 (CMake's RelWithDebInfo, many projects' default) the tile's
// accumulators stayed an array on the stack and the kernels ran 2-4x slower. clang honours it too.
#ifndef TSHAPE_UNROLL
#if defined(__GNUC__) || defined(__clang__)
#define TSHAPE_UNROLL _Pragma("GCC unroll 32")
#else
#define TSHAPE_UNROLL
#endif
#endif

// Keeps a loop rolled: loops that are not a kernel's register tile (rows around a short copy,
// per-channel statistics, a reduction already split in four), which clang unrolls at -O2 into
// kilobytes per shape for no measurable gain. g++ does not unroll them before -O3 anyway.
#ifndef TSHAPE_NO_UNROLL
#if defined(__GNUC__) || defined(__clang__)
#define TSHAPE_NO_UNROLL _Pragma("GCC unroll 1")
#else
#define TSHAPE_NO_UNROLL
#endif
#endif

namespace tshape {
/// The SIMD instruction set the kernels were compiled for: "avx512", "avx2", "neon" or "scalar".
constexpr const char* simd_name() noexcept {
#if defined(TSHAPE_SIMD_AVX512)
  return "avx512";
#elif defined(TSHAPE_SIMD_AVX2)
  return "avx2";
#elif defined(TSHAPE_SIMD_NEON)
  return "neon";
#else
  return "scalar";
#endif
}
}  // namespace tshape
