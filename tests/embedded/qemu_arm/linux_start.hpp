// A freestanding program's entry, output and exit for qemu-arm's user mode: Linux system calls
// (svc 0, the call's number in r7), no C runtime, no heap. The program defines `int test_main()`.
//
// Why: qemu models the Cortex-M4 only as a whole board (system mode); its user mode runs the same
// Thumb-2 and DSP instructions on an A-profile core, so code built for the M4 can be run and
// checked in a test without a board or a semihosting monitor.
#pragma once
#include <cstddef>
#include <cstdint>

int test_main();

namespace qemu_arm {
inline long syscall3(long number, long a, long b, long c) {
  register long r0 asm("r0") = a;
  register long r1 asm("r1") = b;
  register long r2 asm("r2") = c;
  register long r7 asm("r7") = number;
  asm volatile("svc 0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
  return r0;
}

/// Writes s to standard output.
inline void say(const char* s) {
  std::size_t n = 0;
  while (s[n]) ++n;
  syscall3(4, 1, reinterpret_cast<long>(s), static_cast<long>(n));
}

/// Writes v in decimal.
inline void say(long v) {
  char buf[24];
  char* p = buf + sizeof buf;
  *--p = 0;
  const bool negative = v < 0;
  unsigned long u = negative ? 0UL - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
  do *--p = static_cast<char>('0' + u % 10); while (u /= 10);
  if (negative) *--p = '-';
  say(p);
}
}  // namespace qemu_arm

extern "C" [[noreturn]] void _start() {
  qemu_arm::syscall3(1, test_main(), 0, 0);  // exit
  __builtin_unreachable();
}
