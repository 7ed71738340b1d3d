// Random bytes for the int8 kernel tests: a xorshift generator, the same sequence on every target.
// Catch2-free, so that the freestanding Cortex-M4 test (tests/embedded/qemu_arm/) uses it too.
#pragma once
#include <cstdint>

namespace tshape_test {

/// The next 32 random bits of the state s (any nonzero seed).
inline std::uint32_t next(std::uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return static_cast<std::uint32_t>(s >> 16);
}

}  // namespace tshape_test
