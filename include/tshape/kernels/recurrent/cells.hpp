// One timestep of a recurrent cell for a block of rows (batch entries), as one fused kernel: the
// recurrent product h_prev . recurrent_kernel, the gates and the state update happen while the
// products are still in registers, so nothing of the step goes through memory but its result.
//
// A tile is MR rows by NB vectors of units; for each vector it keeps one accumulator per gate (GRU
// z, r, candidate; LSTM i, f, c, o), broadcasts one element of h_prev per row and streams the
// matching row of the recurrent kernel, whose Keras layout (units, G*units) already puts the gates
// of one unit vector at fixed offsets of `units`. The input enters one of two ways:
//   projected: x . kernel + bias was computed for every timestep at once (one GEMM, sequence.hpp)
//              and each step adds its row;
//   fused:     the step also runs x_t . kernel itself (streams, where a step is all there is).
// Sizes: step() takes them at run time; step_fixed<F, U>() compiles them in, so that every loop
// bound, tail mask and tile choice is a constant (the layers use it: their shapes are static).
#pragma once
#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "../../config.hpp"
#include "../activation/activation.hpp"
#include "../simd/math.hpp"
#include "../simd/simd.hpp"

// The loops over a tile's rows, vectors and gates must disappear at compile time, or the tile's
// accumulators become an array in memory and every product goes through the stack (TSHAPE_UNROLL,
// config.hpp).

namespace tshape::kernels::recurrent {

/// A cell's parameters in Keras' layouts. G gate blocks of `units` columns each.
struct cell_weights {
  const float* kernel = nullptr;            // (features, G*units)
  const float* recurrent_kernel = nullptr;  // (units, G*units)
  const float* bias = nullptr;              // (G*units,) added to the input part, or null
  const float* recurrent_bias = nullptr;    // (G*units,) added to the recurrent part (GRU reset_after), or null
};

/// The rows one step reads and writes. Strides are in floats between consecutive rows.
struct step_rows {
  int rows = 0;
  const float* x = nullptr;  // projected: rows of G*units (x . kernel + bias); fused: rows of `features`
  std::ptrdiff_t x_stride = 0;
  const float* h = nullptr;  // previous hidden state, rows of `units`
  std::ptrdiff_t h_stride = 0;
  float* h_out = nullptr;    // new hidden state; must not overlap h
  std::ptrdiff_t h_out_stride = 0;
  float* c = nullptr;        // LSTM cell state, updated in place
  std::ptrdiff_t c_stride = 0;
  float* work = nullptr;     // GRU with reset_after=false: 2 * rows * units floats
};

/// GRU (Keras' GRUCell), gates [z|r|h], h' = z*h + (1-z)*cand. ResetAfter: cand = act(x_h + r*(h.U_h + b_rh))
/// (Keras 2's default, PyTorch's form); else cand = act(x_h + (r*h).U_h), which needs two passes.
template <class Act, class RecAct, bool ResetAfter>
struct gru {
  static constexpr int gates = 3;
  static constexpr bool reset_after = ResetAfter;
  static constexpr bool two_pass = !ResetAfter;  // r must be known for every unit before the candidate
  Act act{};
  RecAct recurrent_act{};
};
/// LSTM (Keras' LSTMCell), gates [i|f|c|o]: c' = f*c + i*act(z_c), h' = o*act(c').
template <class Act, class RecAct>
struct lstm {
  static constexpr int gates = 4;
  static constexpr bool two_pass = false;
  Act act{};
  RecAct recurrent_act{};
};
/// SimpleRNN: h' = act(x.W + h.U + b).
template <class Act>
struct simple {
  static constexpr int gates = 1;
  static constexpr bool two_pass = false;
  Act act{};
};

namespace detail {

// Loads and stores of the vector of units that starts at p; the last vector of a partial group holds
// only `last` units.
template <class V, bool Partial>
TSHAPE_ALWAYS_INLINE typename V::reg load(const float* p, bool is_last, int last) {
  if constexpr (Partial) {
    if (is_last) return V::load_partial(p, last);
  }
  return V::load(p);
}
template <class V, bool Partial>
TSHAPE_ALWAYS_INLINE void store(float* p, typename V::reg v, bool is_last, int last) {
  if constexpr (Partial) {
    if (is_last) return V::store_partial(p, v, last);
  }
  V::store(p, v);
}
/// A bias vector, or zero when there is no bias.
template <class V, bool Partial>
TSHAPE_ALWAYS_INLINE typename V::reg load_or_zero(const float* p, std::ptrdiff_t offset, bool is_last, int last) {
  return p ? load<V, Partial>(p + offset, is_last, last) : V::zero();
}
/// a - b.
template <class V>
TSHAPE_ALWAYS_INLINE typename V::reg sub(typename V::reg a, typename V::reg b) {
  return V::fma(b, V::broadcast(-1.0f), a);
}

/// An activation functor (kernels/activation) on a register: sigmoid and tanh by simd/math.hpp,
/// the ones with a register form by it, any other lane by lane.
template <class V, class Fn>
TSHAPE_ALWAYS_INLINE typename V::reg activate(const Fn& f, typename V::reg x) {
  if constexpr (std::is_same_v<Fn, activation::sigmoid>) {
    return simd::sigmoid<V>(x);
  } else if constexpr (std::is_same_v<Fn, activation::tanh>) {
    return simd::tanh<V>(x);
  } else if constexpr (Fn::vectorized) {
    return f.template apply<V>(x);
  } else {
    float lanes[V::width];
    V::store(lanes, x);
    for (float& v : lanes) v = f(v);
    return V::load(lanes);
  }
}

/// The register blocking: at most max_rows rows, and NB vectors such that the accumulators (rows x NB x
/// slots) fit the register file beside the weights being streamed.
template <class V>
struct blocking {
  static constexpr int max_rows = V::width == 1 ? 1 : (V::width == 8 ? 2 : 4);  // AVX2 has 16 registers
  static constexpr int budget = V::width == 8 ? 8 : 16;
  static constexpr int vectors(int rows, int slots) { return std::clamp(budget / (rows * slots), 1, 4); }
};

#if defined(TSHAPE_SIMD_AVX512)
/// Lane J of v in every lane: the 128-bit quarter that holds it, then the element within each
/// quarter. Two shuffles with immediate operands (the quarter's is shared by four lanes), on ports
/// that the FMAs leave free, where a broadcast from memory takes a load slot from the weights.
template <int J>
TSHAPE_ALWAYS_INLINE __m512 lane(__m512 v) {
  // The masked forms: the plain ones trip g++ 12's -Wmaybe-uninitialized inside its own header.
  constexpr __mmask16 all = 0xFFFF;
  const __m512 quarter = _mm512_maskz_shuffle_f32x4(all, v, v, (J / 4) * 0x55);
  return _mm512_maskz_permute_ps(all, quarter, (J % 4) * 0x55);
}

/// One row's acc[b][Slot_g] += a16[J] * w[J][g*U + b*16] for lane J of a16 (a[k0 .. k0 + 16)), if J < n.
template <int J, int NB, int NS, bool Partial, int... Slot>
TSHAPE_ALWAYS_INLINE void accumulate_lane(__m512 (&acc)[1][NB][NS], __m512 a16, int n, const float* w,
                                          std::ptrdiff_t ldw, int U, int last) {
  using V = simd::avx512;
  constexpr int G = sizeof...(Slot);
  constexpr int slot[G] = {Slot...};
  if (J >= n) return;
  const __m512 av = lane<J>(a16);
  const float* wk = w + J * ldw;
  TSHAPE_UNROLL
  for (int b = 0; b < NB; ++b)
    TSHAPE_UNROLL
    for (int g = 0; g < G; ++g) {
      const float* p = wk + g * U + b * V::width;
      const __m512 wv = (Partial && b == NB - 1) ? V::load_partial(p, last) : V::load(p);
      acc[0][b][slot[g]] = V::fma(av, wv, acc[0][b][slot[g]]);
    }
}

// The lanes J < n of a16 in turn. A function, not a lambda: clang 14 leaves a lambda out of line,
// with the accumulators in memory (kernels/gemm/blocked.hpp).
template <int NB, int NS, bool Partial, int... Slot, int... J>
TSHAPE_ALWAYS_INLINE void accumulate_lanes(__m512 (&acc)[1][NB][NS], __m512 a16, int n, const float* w,
                                           std::ptrdiff_t ldw, int U, int last, std::integer_sequence<int, J...>) {
  (accumulate_lane<J, NB, NS, Partial, Slot...>(acc, a16, n, w, ldw, U, last), ...);
}
#endif

/// acc[r][b][Slot_g] += sum_k a[r][k] * w[k][g*U + b*W] for the gates g = 0, 1, ... (one per Slot).
template <class V, int MR, int NB, int NS, bool Partial, int... Slot>
TSHAPE_ALWAYS_INLINE void accumulate(typename V::reg (&acc)[MR][NB][NS], int K, const float* a, std::ptrdiff_t lda,
                                     const float* w, std::ptrdiff_t ldw, int U, int last) {
  constexpr int G = sizeof...(Slot);
  constexpr int slot[G] = {Slot...};
  constexpr int W = V::width;
  using reg = typename V::reg;
#if defined(TSHAPE_SIMD_AVX512)
  if constexpr (MR == 1 && std::is_same_v<V, simd::avx512>) {
    // One row (a stream's step): a[k] from a register of 16 of them (see lane()). Each k then
    // costs only the loads of its weights, which are the bound here.
    for (int k0 = 0; k0 < K; k0 += 16) {
      const int n = std::min(K - k0, 16);
      __m512 a16 = n == 16 ? V::load(a + k0) : V::load_partial(a + k0, n);
#if defined(__GNUC__)
      asm("" : "+v"(a16));  // opaque: clang 14 otherwise turns lane() back into broadcasts from memory
#endif
      accumulate_lanes<NB, NS, Partial, Slot...>(acc, a16, n, w + k0 * ldw, ldw, U, last,
                                                 std::make_integer_sequence<int, 16>{});
    }
    return;
  }
#endif
  for (int k = 0; k < K; ++k) {
    const float* wk = w + k * ldw;
    reg wv[NB][G];
    TSHAPE_UNROLL
    for (int b = 0; b < NB; ++b)
      TSHAPE_UNROLL
      for (int g = 0; g < G; ++g)
        wv[b][g] = (Partial && b == NB - 1) ? V::load_partial(wk + g * U + b * W, last) : V::load(wk + g * U + b * W);
    TSHAPE_UNROLL
    for (int r = 0; r < MR; ++r) {
      const reg av = V::broadcast(a[r * lda + k]);
      TSHAPE_UNROLL
      for (int b = 0; b < NB; ++b)
        TSHAPE_UNROLL
        for (int g = 0; g < G; ++g) acc[r][b][slot[g]] = V::fma(av, wv[b][g], acc[r][b][slot[g]]);
    }
  }
}

/// What every tile needs; built where the sizes are known (constants in step_fixed).
struct context {
  cell_weights w;
  step_rows s;
  int F, U;
};

/// For one row (a batch of one: a stream's step), acc[b] += sum_k a[k] * w[k][b*W] for one gate.
/// One row has few independent sums, each a chain of K dependent FMAs: KS partial sums per vector
/// keep enough of them in flight.
template <class V, int NB, bool Partial>
TSHAPE_ALWAYS_INLINE void accumulate_row(typename V::reg (&acc)[NB], int K, const float* a, const float* w,
                                         std::ptrdiff_t ldw, int last) {
  constexpr int W = V::width;
  constexpr int KS = NB >= 4 ? 2 : (NB >= 2 ? 4 : 8);
  using reg = typename V::reg;
  reg part[KS][NB];
  TSHAPE_UNROLL
  for (int b = 0; b < NB; ++b) {
    part[0][b] = acc[b];
    TSHAPE_UNROLL
    for (int s = 1; s < KS; ++s) part[s][b] = V::zero();
  }
  int k = 0;
  for (; k + KS <= K; k += KS) {
    TSHAPE_UNROLL
    for (int s = 0; s < KS; ++s) {
      const reg av = V::broadcast(a[k + s]);
      const float* wk = w + (k + s) * ldw;
      TSHAPE_UNROLL
      for (int b = 0; b < NB; ++b) part[s][b] = V::fma(av, load<V, Partial>(wk + b * W, b == NB - 1, last), part[s][b]);
    }
  }
  for (; k < K; ++k) {
    const reg av = V::broadcast(a[k]);
    TSHAPE_UNROLL
    for (int b = 0; b < NB; ++b)
      part[0][b] = V::fma(av, load<V, Partial>(w + k * ldw + b * W, b == NB - 1, last), part[0][b]);
  }
  TSHAPE_UNROLL
  for (int step = 1; step < KS; step *= 2) {
    TSHAPE_UNROLL
    for (int s = 0; s + step < KS; s += 2 * step) {
      TSHAPE_UNROLL
      for (int b = 0; b < NB; ++b) part[s][b] = V::add(part[s][b], part[s + step][b]);
    }
  }
  TSHAPE_UNROLL
  for (int b = 0; b < NB; ++b) acc[b] = part[0][b];
}

/// One gate of one row: init[b] (bias, or the projected input) + x . kernel_g (fused) + h . recurrent_g.
template <class V, bool Fused, int NB, bool Partial>
TSHAPE_ALWAYS_INLINE void gate_row(typename V::reg (&acc)[NB], const context& c, int row, int col, int gate,
                                   int gates, int last) {
  const int U = c.U;
  const std::ptrdiff_t ld = static_cast<std::ptrdiff_t>(gates) * U;
  if constexpr (Fused)
    accumulate_row<V, NB, Partial>(acc, c.F, c.s.x + row * c.s.x_stride, c.w.kernel + gate * U + col, ld, last);
  accumulate_row<V, NB, Partial>(acc, U, c.s.h + row * c.s.h_stride, c.w.recurrent_kernel + gate * U + col, ld, last);
}

/// What gate g of one row starts from: the bias (fused) or the projected input.
template <class V, bool Fused, int NB, bool Partial>
TSHAPE_ALWAYS_INLINE void gate_init(typename V::reg (&acc)[NB], const context& c, int row, int col, int gate, int last) {
  constexpr int W = V::width;
  const int U = c.U;
  const float* src = Fused ? c.w.bias : c.s.x + row * c.s.x_stride;
  TSHAPE_UNROLL
  for (int b = 0; b < NB; ++b) {
    const std::ptrdiff_t j = gate * U + col + b * W;
    acc[b] = load_or_zero<V, Partial>(src, j, b == NB - 1, last);
  }
}

// Each Tiles struct below is one cell's tile: `slots` accumulators per row and vector, and
// tile<V, MR, NB, Partial>(cell, context, row, col, last) for rows [row, row + MR) and the NB vectors
// of units from `col` (the last holding `last` units when Partial).

// ---- GRU, reset_after = true: one pass ------------------------------------------------------------

template <class Cell, bool Fused>
struct gru_tiles {
  static constexpr int slots = Fused ? 4 : 3;  // z, r, recurrent part of the candidate, (fused) its input part
  template <class V, int MR, int NB, bool Partial>
  TSHAPE_ALWAYS_INLINE static void tile(const Cell& cell, const context& c, int row, int col, int last) {
    constexpr int W = V::width;
    using reg = typename V::reg;
    const int U = c.U;
    const float* rb = c.w.recurrent_bias;
    reg acc[MR][NB][slots];
    TSHAPE_UNROLL
    for (int b = 0; b < NB; ++b) {
      const bool e = b == NB - 1;
      const int j = col + b * W;
      const reg rz = load_or_zero<V, Partial>(rb, j, e, last);
      const reg rr = load_or_zero<V, Partial>(rb, U + j, e, last);
      const reg rh = load_or_zero<V, Partial>(rb, 2 * U + j, e, last);
      TSHAPE_UNROLL
      for (int r = 0; r < MR; ++r) {
        const float* src = Fused ? c.w.bias : c.s.x + (row + r) * c.s.x_stride;  // bias, or the projected row
        acc[r][b][0] = V::add(rz, load_or_zero<V, Partial>(src, j, e, last));
        acc[r][b][1] = V::add(rr, load_or_zero<V, Partial>(src, U + j, e, last));
        acc[r][b][2] = rh;
        if constexpr (Fused) acc[r][b][3] = load_or_zero<V, Partial>(src, 2 * U + j, e, last);
      }
    }
    if constexpr (Fused)
      accumulate<V, MR, NB, slots, Partial, 0, 1, 3>(acc, c.F, c.s.x + row * c.s.x_stride, c.s.x_stride,
                                                    c.w.kernel + col, 3 * U, U, last);
    accumulate<V, MR, NB, slots, Partial, 0, 1, 2>(acc, U, c.s.h + row * c.s.h_stride, c.s.h_stride,
                                                  c.w.recurrent_kernel + col, 3 * U, U, last);
    TSHAPE_UNROLL
    for (int r = 0; r < MR; ++r) {
      const float* hp = c.s.h + (row + r) * c.s.h_stride;
      float* ho = c.s.h_out + (row + r) * c.s.h_out_stride;
      TSHAPE_UNROLL
      for (int b = 0; b < NB; ++b) {
        const bool e = b == NB - 1;
        const int j = col + b * W;
        const reg z = activate<V>(cell.recurrent_act, acc[r][b][0]);
        const reg rg = activate<V>(cell.recurrent_act, acc[r][b][1]);
        reg xh;
        if constexpr (Fused)
          xh = acc[r][b][3];
        else
          xh = load<V, Partial>(c.s.x + (row + r) * c.s.x_stride + 2 * U + j, e, last);
        const reg cand = activate<V>(cell.act, V::fma(rg, acc[r][b][2], xh));
        const reg h = load<V, Partial>(hp + j, e, last);
        store<V, Partial>(ho + j, V::fma(z, sub<V>(h, cand), cand), e, last);  // z*h + (1-z)*cand
      }
    }
  }
};

// ---- GRU, reset_after = false: z and r*h first, then the candidate ---------------------------------

template <class Cell, bool Fused>
struct gru_gates_tiles {  // pass 1: work = [z rows | r*h_prev rows]
  static constexpr int slots = 2;
  template <class V, int MR, int NB, bool Partial>
  TSHAPE_ALWAYS_INLINE static void tile(const Cell& cell, const context& c, int row, int col, int last) {
    constexpr int W = V::width;
    using reg = typename V::reg;
    const int U = c.U;
    reg acc[MR][NB][slots];
    TSHAPE_UNROLL
    for (int b = 0; b < NB; ++b)
      TSHAPE_UNROLL
      for (int r = 0; r < MR; ++r) {
        const float* src = Fused ? c.w.bias : c.s.x + (row + r) * c.s.x_stride;
        TSHAPE_UNROLL
        for (int g = 0; g < 2; ++g)
          acc[r][b][g] = load_or_zero<V, Partial>(src, g * U + col + b * W, b == NB - 1, last);
      }
    if constexpr (Fused)
      accumulate<V, MR, NB, slots, Partial, 0, 1>(acc, c.F, c.s.x + row * c.s.x_stride, c.s.x_stride,
                                                 c.w.kernel + col, 3 * U, U, last);
    accumulate<V, MR, NB, slots, Partial, 0, 1>(acc, U, c.s.h + row * c.s.h_stride, c.s.h_stride,
                                               c.w.recurrent_kernel + col, 3 * U, U, last);
    TSHAPE_UNROLL
    for (int r = 0; r < MR; ++r) {
      const float* hp = c.s.h + (row + r) * c.s.h_stride;
      float* z_out = c.s.work + (row + r) * U;
      float* rh_out = c.s.work + (c.s.rows + row + r) * U;
      TSHAPE_UNROLL
      for (int b = 0; b < NB; ++b) {
        const bool e = b == NB - 1;
        const int j = col + b * W;
        const reg z = activate<V>(cell.recurrent_act, acc[r][b][0]);
        const reg rg = activate<V>(cell.recurrent_act, acc[r][b][1]);
        store<V, Partial>(z_out + j, z, e, last);
        store<V, Partial>(rh_out + j, V::mul(rg, load<V, Partial>(hp + j, e, last)), e, last);
      }
    }
  }
};

template <class Cell, bool Fused>
struct gru_candidate_tiles {  // pass 2: cand = act(x_h + (r*h).U_h), h' = z*h + (1-z)*cand
  static constexpr int slots = 1;
  template <class V, int MR, int NB, bool Partial>
  TSHAPE_ALWAYS_INLINE static void tile(const Cell& cell, const context& c, int row, int col, int last) {
    constexpr int W = V::width;
    using reg = typename V::reg;
    const int U = c.U;
    reg acc[MR][NB][slots];
    TSHAPE_UNROLL
    for (int b = 0; b < NB; ++b)
      TSHAPE_UNROLL
      for (int r = 0; r < MR; ++r) {
        const float* src = Fused ? c.w.bias : c.s.x + (row + r) * c.s.x_stride;
        acc[r][b][0] = load_or_zero<V, Partial>(src, 2 * U + col + b * W, b == NB - 1, last);
      }
    if constexpr (Fused)
      accumulate<V, MR, NB, slots, Partial, 0>(acc, c.F, c.s.x + row * c.s.x_stride, c.s.x_stride,
                                              c.w.kernel + 2 * U + col, 3 * U, U, last);
    accumulate<V, MR, NB, slots, Partial, 0>(acc, U, c.s.work + (c.s.rows + row) * U, U,
                                            c.w.recurrent_kernel + 2 * U + col, 3 * U, U, last);
    TSHAPE_UNROLL
    for (int r = 0; r < MR; ++r) {
      const float* hp = c.s.h + (row + r) * c.s.h_stride;
      const float* zr = c.s.work + (row + r) * U;
      float* ho = c.s.h_out + (row + r) * c.s.h_out_stride;
      TSHAPE_UNROLL
      for (int b = 0; b < NB; ++b) {
        const bool e = b == NB - 1;
        const int j = col + b * W;
        const reg cand = activate<V>(cell.act, acc[r][b][0]);
        const reg z = load<V, Partial>(zr + j, e, last);
        const reg h = load<V, Partial>(hp + j, e, last);
        store<V, Partial>(ho + j, V::fma(z, sub<V>(h, cand), cand), e, last);
      }
    }
  }
};

// ---- LSTM -----------------------------------------------------------------------------------------

template <class Cell, bool Fused>
struct lstm_tiles {
  static constexpr int slots = 4;  // i, f, c, o
  template <class V, int MR, int NB, bool Partial>
  TSHAPE_ALWAYS_INLINE static void tile(const Cell& cell, const context& c, int row, int col, int last) {
    constexpr int W = V::width;
    using reg = typename V::reg;
    const int U = c.U;
    reg acc[MR][NB][slots];
    TSHAPE_UNROLL
    for (int b = 0; b < NB; ++b)
      TSHAPE_UNROLL
      for (int r = 0; r < MR; ++r) {
        const float* src = Fused ? c.w.bias : c.s.x + (row + r) * c.s.x_stride;
        TSHAPE_UNROLL
        for (int g = 0; g < 4; ++g) acc[r][b][g] = load_or_zero<V, Partial>(src, g * U + col + b * W, b == NB - 1, last);
      }
    if constexpr (Fused)
      accumulate<V, MR, NB, slots, Partial, 0, 1, 2, 3>(acc, c.F, c.s.x + row * c.s.x_stride, c.s.x_stride,
                                                       c.w.kernel + col, 4 * U, U, last);
    accumulate<V, MR, NB, slots, Partial, 0, 1, 2, 3>(acc, U, c.s.h + row * c.s.h_stride, c.s.h_stride,
                                                     c.w.recurrent_kernel + col, 4 * U, U, last);
    TSHAPE_UNROLL
    for (int r = 0; r < MR; ++r) {
      float* cs = c.s.c + (row + r) * c.s.c_stride;
      float* ho = c.s.h_out + (row + r) * c.s.h_out_stride;
      TSHAPE_UNROLL
      for (int b = 0; b < NB; ++b) {
        const bool e = b == NB - 1;
        const int j = col + b * W;
        const reg i = activate<V>(cell.recurrent_act, acc[r][b][0]);
        const reg f = activate<V>(cell.recurrent_act, acc[r][b][1]);
        const reg g = activate<V>(cell.act, acc[r][b][2]);
        const reg o = activate<V>(cell.recurrent_act, acc[r][b][3]);
        const reg cn = V::fma(f, load<V, Partial>(cs + j, e, last), V::mul(i, g));
        store<V, Partial>(cs + j, cn, e, last);
        store<V, Partial>(ho + j, V::mul(o, activate<V>(cell.act, cn)), e, last);
      }
    }
  }
};

// ---- SimpleRNN ------------------------------------------------------------------------------------

template <class Cell, bool Fused>
struct simple_tiles {
  static constexpr int slots = 1;
  template <class V, int MR, int NB, bool Partial>
  TSHAPE_ALWAYS_INLINE static void tile(const Cell& cell, const context& c, int row, int col, int last) {
    if constexpr (MR == 1) {  // one row: split sums (accumulate_row) to have enough in flight
      typename V::reg acc[NB];
      gate_init<V, Fused, NB, Partial>(acc, c, row, col, 0, last);
      gate_row<V, Fused, NB, Partial>(acc, c, row, col, 0, 1, last);
      float* ho = c.s.h_out + row * c.s.h_out_stride;
      TSHAPE_UNROLL
      for (int b = 0; b < NB; ++b)
        store<V, Partial>(ho + col + b * V::width, activate<V>(cell.act, acc[b]), b == NB - 1, last);
    } else {
      block_tile<V, MR, NB, Partial>(cell, c, row, col, last);
    }
  }

  template <class V, int MR, int NB, bool Partial>
  TSHAPE_ALWAYS_INLINE static void block_tile(const Cell& cell, const context& c, int row, int col, int last) {
    constexpr int W = V::width;
    using reg = typename V::reg;
    const int U = c.U;
    reg acc[MR][NB][slots];
    TSHAPE_UNROLL
    for (int b = 0; b < NB; ++b)
      TSHAPE_UNROLL
      for (int r = 0; r < MR; ++r) {
        const float* src = Fused ? c.w.bias : c.s.x + (row + r) * c.s.x_stride;
        acc[r][b][0] = load_or_zero<V, Partial>(src, col + b * W, b == NB - 1, last);
      }
    if constexpr (Fused)
      accumulate<V, MR, NB, slots, Partial, 0>(acc, c.F, c.s.x + row * c.s.x_stride, c.s.x_stride, c.w.kernel + col, U,
                                              U, last);
    accumulate<V, MR, NB, slots, Partial, 0>(acc, U, c.s.h + row * c.s.h_stride, c.s.h_stride,
                                            c.w.recurrent_kernel + col, U, U, last);
    TSHAPE_UNROLL
    for (int r = 0; r < MR; ++r) {
      float* ho = c.s.h_out + (row + r) * c.s.h_out_stride;
      TSHAPE_UNROLL
      for (int b = 0; b < NB; ++b)
        store<V, Partial>(ho + col + b * W, activate<V>(cell.act, acc[r][b][0]), b == NB - 1, last);
    }
  }
};

// ---- Walking the tiles ----------------------------------------------------------------------------

// A tile as a function of its own: with sizes known only at run time, many tiles are instantiated,
// and inlining them all into one function costs the compiler far more than the calls cost.
template <class V, class Tiles, int MR, int NB, bool Partial, class Cell>
void tile_call(const Cell& cell, const context& c, int row, int col, int last) {
  Tiles::template tile<V, MR, NB, Partial>(cell, c, row, col, last);
}

// The last column group: n (1..NB) vectors, the last of them holding `last` units.
template <class V, class Tiles, int MR, int NB, class Cell>
TSHAPE_ALWAYS_INLINE void last_group(const Cell& cell, const context& c, int n, int row, int col, int last) {
  if constexpr (NB > 1) {
    if (n < NB) return last_group<V, Tiles, MR, NB - 1>(cell, c, n, row, col, last);
  }
  if (last == V::width)
    tile_call<V, Tiles, MR, NB, false>(cell, c, row, col, last);
  else
    tile_call<V, Tiles, MR, NB, true>(cell, c, row, col, last);
}

// One block of MR rows across all units. FU > 0: the units are the constant FU, so only the tiles
// that run are instantiated.
template <class V, class Tiles, int MR, int FU, class Cell>
TSHAPE_ALWAYS_INLINE void row_block(const Cell& cell, const context& c, int row) {
  constexpr int W = V::width;
  constexpr int NB = blocking<V>::vectors(MR, Tiles::slots);
  if constexpr (FU > 0) {
    constexpr int vectors = (FU + W - 1) / W;
    constexpr int last = FU - (vectors - 1) * W;
    constexpr int full_groups = (vectors - 1) / NB;
    for (int g = 0; g < full_groups; ++g) Tiles::template tile<V, MR, NB, false>(cell, c, row, g * NB * W, W);
    Tiles::template tile<V, MR, vectors - full_groups * NB, (last != W)>(cell, c, row, full_groups * NB * W, last);
  } else {
    const int vectors = (c.U + W - 1) / W;
    const int last = c.U - (vectors - 1) * W;
    int v = 0;
    for (; v + NB < vectors; v += NB) tile_call<V, Tiles, MR, NB, false>(cell, c, row, v * W, W);
    last_group<V, Tiles, MR, NB>(cell, c, vectors - v, row, v * W, last);
  }
}

// Every row block; Rows > 0: the row count is the constant Rows (a stream's batch).
template <class V, class Tiles, int FU, int Rows, class Cell>
TSHAPE_ALWAYS_INLINE void all_tiles(const Cell& cell, const context& c) {
  constexpr int MR = blocking<V>::max_rows;
  const int rows = Rows > 0 ? Rows : c.s.rows;
  int row = 0;
  for (; row + MR <= rows; row += MR) row_block<V, Tiles, MR, FU>(cell, c, row);
  if constexpr (Rows > 0) {
    if constexpr (MR == 4 && Rows % 4 >= 2) {
      row_block<V, Tiles, 2, FU>(cell, c, row);
      row += 2;
    }
    if constexpr (MR > 1 && Rows % 2 == 1) row_block<V, Tiles, 1, FU>(cell, c, row);
  } else {
    if constexpr (MR == 4) {
      if (rows - row >= 2) {
        row_block<V, Tiles, 2, FU>(cell, c, row);
        row += 2;
      }
    }
    if constexpr (MR > 1) {
      if (row < rows) row_block<V, Tiles, 1, FU>(cell, c, row);
    }
  }
}

template <class V, bool Fused, int FU, int Rows, class Cell>
TSHAPE_ALWAYS_INLINE void step_body(const Cell& cell, const cell_weights& w, const step_rows& s, int F, int U) {
  const context c{w, s, F, U};
  if constexpr (Cell::gates == 4) {
    all_tiles<V, lstm_tiles<Cell, Fused>, FU, Rows>(cell, c);
  } else if constexpr (Cell::gates == 1) {
    all_tiles<V, simple_tiles<Cell, Fused>, FU, Rows>(cell, c);
  } else if constexpr (Cell::reset_after) {
    all_tiles<V, gru_tiles<Cell, Fused>, FU, Rows>(cell, c);
  } else {
    all_tiles<V, gru_gates_tiles<Cell, Fused>, FU, Rows>(cell, c);
    all_tiles<V, gru_candidate_tiles<Cell, Fused>, FU, Rows>(cell, c);
  }
}

}  // namespace detail

/// One timestep for s.rows rows; sizes at run time. Fused: s.x holds raw inputs (F per row) and the
/// step multiplies them by w.kernel; else s.x holds projected rows (G*U, bias included).
template <class V, bool Fused, class Cell>
void step(const Cell& cell, const cell_weights& w, const step_rows& s, int features, int units) {
  detail::step_body<V, Fused, 0, 0>(cell, w, s, features, units);
}

/// The same with the sizes compiled in: every bound, mask and tile choice is a constant. Rows > 0
/// also fixes s.rows (a stream's batch); 0 leaves it to run time.
template <class V, bool Fused, int F, int U, int Rows = 0, class Cell>
void step_fixed(const Cell& cell, const cell_weights& w, const step_rows& s) {
  detail::step_body<V, Fused, U, Rows>(cell, w, s, F, U);
}

/// Floats of `work` a step needs (GRU with reset_after=false keeps z and r*h between its passes).
template <class Cell>
constexpr std::size_t step_work_floats(int rows, int units) {
  if constexpr (Cell::two_pass)
    return 2 * static_cast<std::size_t>(rows) * static_cast<std::size_t>(units);
  else
    return 0;
}

}  // namespace tshape::kernels::recurrent
