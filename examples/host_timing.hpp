// How the examples' firmware host tests time one call: 15 rounds of at least 20 ms each (short under
// an emulator), sorted, so that [7] is the median and [0] the fastest. Also which kernels ran.
#pragma once
#include <algorithm>
#include <array>
#include <chrono>

#include <tshape/config.hpp>

namespace examples {

/// Microseconds per call of call(i), i counting the calls of a round from 0.
template <class F>
std::array<double, 15> microseconds_per_call(F&& call) {
  std::array<double, 15> us{};
  for (double& t : us) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    long calls = 0;
    std::chrono::duration<double, std::micro> d{};
    do {
      call(calls);
      ++calls;
      d = clock::now() - start;
    } while (d < std::chrono::milliseconds(20));
    t = d.count() / static_cast<double>(calls);
  }
  std::sort(us.begin(), us.end());
  return us;
}

/// The kernels this build runs: "compact" (the microcontrollers') or the SIMD path's name.
inline const char* kernels_name() {
#ifdef TSHAPE_COMPACT_KERNELS
  return "compact";
#else
  return tshape::simd_name();
#endif
}

}  // namespace examples
