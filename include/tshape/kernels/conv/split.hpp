// One convolution's work across the shared thread pool (threads/thread_pool.hpp): by samples, and for
// fewer samples than threads by blocks of one sample's output rows. Output rows are independent, so
// the results are the same to the bit on any number of threads.
#pragma once
#include <algorithm>
#include <cstddef>

#include "../../config.hpp"
#include "../../threads/thread_pool.hpp"
#include "geometry.hpp"

namespace tshape::kernels::conv {

/// Calls rows(xs, ys, oh0, oh1) over the output rows of every sample. A sample that must be copied
/// first (zero-padded, channels repeated) goes through prepare(x_sample, buffer), which returns the
/// copy it made in buffer: `scratch` on the calling thread, a worker's own `copy_floats` floats on
/// the others. copy_floats == 0: samples are read as they are. `work` (multiply-adds over the whole
/// batch) decides whether the pool is worth it.
template <class Prepare, class Rows>
void each_sample_rows(const window_geometry& g, long long work, const float* x, float* y, int batch, float* scratch,
                      std::size_t copy_floats, const Prepare& prepare, const Rows& rows) {
  const auto in = static_cast<std::ptrdiff_t>(g.input_floats()), out = static_cast<std::ptrdiff_t>(g.output_floats());
  const int parts = tshape::detail::parallel_parts(work, batch * g.oh);
  if (parts <= 1) {
    for (int n = 0; n < batch; ++n) {
      const float* xs = x + n * in;
      if (copy_floats > 0) xs = prepare(xs, scratch);
      rows(xs, y + n * out, 0, g.oh);
    }
    return;
  }
  const int per_sample = batch >= parts ? 1 : std::min(g.oh, (parts + batch - 1) / batch);
  tshape::detail::parallel_for(
      batch * per_sample,
      [&](int t, float* own) {
        const int n = t / per_sample, b = t % per_sample;
        const float* xs = x + n * in;
        if (copy_floats > 0) xs = prepare(xs, own ? own : scratch);
        rows(xs, y + n * out, g.oh * b / per_sample, g.oh * (b + 1) / per_sample);
      },
      copy_floats);
}

}  // namespace tshape::kernels::conv
