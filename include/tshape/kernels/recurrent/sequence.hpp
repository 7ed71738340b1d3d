// A whole sequence through a recurrent cell: the input projection of every timestep of every batch
// entry as one GEMM (x (batch*timesteps, F) . kernel + bias, through kernels/gemm, so BLAS takes it
// when it is large), then one fused step per timestep (cells.hpp) for all batch entries at once.
//
// Keras' order is kept: go_backwards walks the timesteps from the last, and the outputs of
// return_sequences stay in the order they were computed. The state (h, and c for LSTM) is read at
// the start and left holding the final state, which is what a stateful caller continues from.
#pragma once
#include <algorithm>
#include <cstddef>

#include "../../config.hpp"
#include "../activation/activation.hpp"
#include "../gemm/gemm.hpp"
#include "cells.hpp"

namespace tshape::kernels::recurrent {

struct sequence_shape {
  int batch, timesteps, features, units;
  bool return_sequences = false;
  bool go_backwards = false;
};

namespace detail {
constexpr std::size_t round_floats(std::size_t n) { return (n + 15) / 16 * 16; }
}  // namespace detail

/// Floats of scratch sequence() needs.
template <class Cell>
constexpr std::size_t sequence_scratch_floats(const sequence_shape& s) {
  const auto B = static_cast<std::size_t>(s.batch), T = static_cast<std::size_t>(s.timesteps);
  const auto U = static_cast<std::size_t>(s.units);
  return detail::round_floats(B * T * Cell::gates * U)                 // projected inputs
         + (s.return_sequences ? 0 : 2 * detail::round_floats(B * U))  // hidden states between steps
         + detail::round_floats(step_work_floats<Cell>(s.batch, s.units));
}

/// y = the cell over x (batch, timesteps, features): (batch, units), or (batch, timesteps, units) with
/// return_sequences. h (batch, units) and, for LSTM, c hold the initial state and receive the final.
/// F, U > 0 compile the sizes in (step_fixed); 0 takes them from `s`.
template <class V, int F = 0, int U = 0, class Cell>
void sequence(const Cell& cell, const cell_weights& w, const sequence_shape& s, const float* x, float* y, float* h,
              float* c, float* scratch) {
  const int B = s.batch, T = s.timesteps, units = U > 0 ? U : s.units, features = F > 0 ? F : s.features;
  const int G = Cell::gates * units;
  // With return_sequences every step writes its row of y, so the hidden states need no buffers.
  const std::size_t hidden = s.return_sequences ? 0 : detail::round_floats(static_cast<std::size_t>(B) * units);
  float* xp = scratch;
  float* ping = xp + detail::round_floats(static_cast<std::size_t>(B) * T * G);
  float* pong = ping + hidden;
  float* work = pong + hidden;
  if constexpr (F > 0 && U > 0)  // the same sums as the runtime form, with only the tiles G needs compiled
    gemm::dense_fixed_rows<Cell::gates * U, F>(B * T, x, w.kernel, w.bias, xp, activation::linear{});
  else
    gemm::dense(B * T, G, features, x, w.kernel, w.bias, xp, activation::linear{});

  cell_weights wr = w;
  wr.bias = nullptr;  // already in the projection
  step_rows r;
  r.rows = B;
  r.x_stride = static_cast<std::ptrdiff_t>(T) * G;
  r.h = h;
  r.h_stride = units;
  r.c = c;
  r.c_stride = units;
  r.work = work;
  for (int step = 0; step < T; ++step) {
    const int t = s.go_backwards ? T - 1 - step : step;
    r.x = xp + static_cast<std::ptrdiff_t>(t) * G;
    if (s.return_sequences) {
      r.h_out = y + static_cast<std::ptrdiff_t>(step) * units;
      r.h_out_stride = static_cast<std::ptrdiff_t>(T) * units;
    } else {
      r.h_out = step == T - 1 ? y : (step % 2 == 0 ? ping : pong);
      r.h_out_stride = units;
    }
    if constexpr (F > 0 && U > 0)
      step_fixed<V, false, F, U>(cell, wr, r);
    else
      recurrent::step<V, false>(cell, wr, r, features, units);
    r.h = r.h_out;
    r.h_stride = r.h_out_stride;
  }
  for (int b = 0; b < B; ++b)
    std::copy_n(r.h + b * r.h_stride, units, h + static_cast<std::ptrdiff_t>(b) * units);
}

}  // namespace tshape::kernels::recurrent
