// Feature switches and target detection. Every other header includes this one first.
//
//   TSHAPE_NO_BLAS        no OpenBLAS: Dense runs the fixed-size and portable GEMM kernels
//   TSHAPE_NO_EXCEPTIONS  run-time errors go to an installable handler and to result<T> values
//                         (defined automatically when the compiler has exceptions switched off)
//   TSHAPE_NO_HEAP        nothing allocates; a `dyn` batch is a compile error that says why
//   TSHAPE_STACK_ARENA_BYTES  largest activation arena a call puts on the stack (default 256 KiB)
#pragma once

#if !defined(TSHAPE_NO_EXCEPTIONS) && !defined(__cpp_exceptions)
#define TSHAPE_NO_EXCEPTIONS 1
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

// Byte alignment of tensor storage: one cache line, enough for any SIMD load.
#define TSHAPE_ALIGN 64

#if defined(__GNUC__) || defined(__clang__)
#define TSHAPE_ALWAYS_INLINE inline __attribute__((always_inline))
#define TSHAPE_NOINLINE __attribute__((noinline))
#define TSHAPE_RESTRICT __restrict__
#else
#define TSHAPE_ALWAYS_INLINE inline
#define TSHAPE_NOINLINE
#define TSHAPE_RESTRICT
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
