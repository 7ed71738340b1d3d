// Training a recurrent cell over a sequence: a forward pass that keeps what backpropagation through
// time needs, and that backward pass. Plain on purpose: the projected inputs of every timestep come
// from one GEMM (as in sequence.hpp), each step then runs one small product with the recurrent kernel
// and element-wise gate math; backward walks the steps from the last, and the products over all
// timesteps (the kernel's and recurrent kernel's gradients, dx) run once, at the end, as big GEMMs.
//
// Everything kept is laid out step-major, in the order the steps ran (go_backwards reads input
// timestep T-1-s at step s): row (s, b) is batch entry b at step s, so each step's rows are
// contiguous and the rows of all steps together are one matrix for the recurrent kernel's gradient.
// The projected inputs and their gradients stay in x's own order (b, t), which the products with x
// want. Saved, each part rounded to 64 bytes:
//   h      (T+1, B, U)  the states, h[0] = 0: step s reads h[s] and writes h[s+1]
//   gates  (T, B, G)    after their activations: GRU [z|r|cand], LSTM [i|f|g|o] (SimpleRNN: h itself)
//   pre    (T, B, G)    before them, only when an activation's derivative needs its input
//   extra  (T, B, U)    GRU reset_after: h.U_h + b_rh (what r multiplies); reset_before: r*h
//   c, ac  LSTM: the cell states (T+1, B, U), c[0] = 0, and act(c) (T, B, U)
#pragma once
#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../../config.hpp"
#include "../activation/activation.hpp"
#include "../gemm/gemm.hpp"
#include "../gemm/transposed.hpp"
#include "../simd/simd.hpp"
#include "cells.hpp"

namespace tshape::kernels::recurrent {

/// Where the gradients go, in the layouts of cell_weights; each is ADDED to, and null skips it.
struct cell_gradients {
  float* kernel = nullptr;
  float* recurrent_kernel = nullptr;
  float* bias = nullptr;
  float* recurrent_bias = nullptr;
};

namespace train_detail {

constexpr std::size_t round(std::size_t n) { return (n + 15) / 16 * 16; }

/// out[0..n) = f(in[0..n)) on V's registers (the same sigmoid and tanh as the inference kernels); in may be out.
template <class Fn>
inline void activate_span(const Fn& f, const float* in, float* out, int n) {
  using V = simd::native;
  int i = 0;
  for (; i + V::width <= n; i += V::width) V::store(out + i, detail::activate<V>(f, V::load(in + i)));
  if (i < n) V::store_partial(out + i, detail::activate<V>(f, V::load_partial(in + i, n - i)), n - i);
}

/// C (M x N) += A^T B, A stored (K x M), B (K x N). Below BLAS' crossover (gemm.hpp: where the inline
/// kernel beats sgemm) A is transposed into `work` (M x K) and the product goes through the blocked
/// kernel into work + round(M x K) (M x N), then into C; else gemm_tn. work: products_floats(M, N, K).
constexpr std::size_t products_floats(long long M, long long N, long long K) {
  return round(static_cast<std::size_t>(M * K)) + round(static_cast<std::size_t>(M * N));
}
/// N is a template argument so that only the column tiles N needs are compiled.
template <int N>
void add_tn(int M, int K, const float* A, const float* B, float* C, float* work) {
  if (gemm::uses_blas(M, N, K)) return gemm::gemm_tn(M, N, K, A, B, C);
  float* at = work;
  float* prod = work + round(static_cast<std::size_t>(M) * K);
  for (int k = 0; k < K; ++k)
    for (int i = 0; i < M; ++i) at[static_cast<std::ptrdiff_t>(i) * K + k] = A[static_cast<std::ptrdiff_t>(k) * M + i];
  gemm::blocked_columns<simd::native, N>(M, K, at, K, B, N, nullptr, prod, N, activation::linear{});
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(M) * N; ++i) C[i] += prod[i];
}

template <class Cell, bool = (Cell::gates > 1)>
struct recurrent_act_of {
  using type = decltype(Cell::recurrent_act);
};
template <class Cell>
struct recurrent_act_of<Cell, false> {
  using type = activation::linear;
};

}  // namespace train_detail

/// The training passes of Cell over sequences of T timesteps of F features into U units.
template <class Cell, int T, int F, int U>
struct bptt {
  static constexpr int G = Cell::gates * U;
  static constexpr bool is_lstm = Cell::gates == 4;
  static constexpr bool is_simple = Cell::gates == 1;
  static constexpr bool is_gru = Cell::gates == 3;
  static constexpr bool reset_after = [] {
    if constexpr (is_gru)
      return Cell::reset_after;
    else
      return false;
  }();
  using act_type = decltype(Cell::act);
  using recurrent_act_type = typename train_detail::recurrent_act_of<Cell>::type;
  /// The pre-activations are kept when a derivative needs them (ELU, GELU, ...; not sigmoid, tanh, ReLU).
  static constexpr bool keep_pre = !act_type::grad_from_output || !recurrent_act_type::grad_from_output;

  struct saved_layout {
    std::size_t h, gates, pre, extra, c, ac, total;
  };
  static constexpr saved_layout layout(int batch) {
    using train_detail::round;
    const auto B = static_cast<std::size_t>(batch);
    const std::size_t bu = B * U, tbu = T * bu, tbg = T * B * G;
    saved_layout l{};
    std::size_t at = 0;
    l.h = at, at += round((T + 1) * bu);
    l.gates = at, at += is_simple ? 0 : round(tbg);
    l.pre = at, at += keep_pre ? round(tbg) : 0;
    l.extra = at, at += is_gru ? round(tbu) : 0;
    l.c = at, at += is_lstm ? round((T + 1) * bu) : 0;
    l.ac = at, at += is_lstm ? round(tbu) : 0;
    l.total = at;
    return l;
  }
  static constexpr std::size_t saved_floats(int batch) { return layout(batch).total; }

  // Scratch of forward: the projected inputs (B, T, G) and one step's recurrent product (B, G).
  // Of backward: the gradients of the projected inputs (B, T, G) and of the recurrent products
  // (T, B, G), the recurrent kernel transposed (G, U), dh, a product's result and (LSTM) dc, (B, U)
  // each, for reset_before the recurrent kernel's gradient before it is added (U, G), and the
  // working memory of the products over all timesteps (products_floats).
  static constexpr std::size_t forward_scratch_floats(int batch) {
    using train_detail::round;
    const auto B = static_cast<std::size_t>(batch);
    return round(B * T * G) + round(B * G);
  }
  static constexpr std::size_t backward_scratch_floats(int batch) {
    using train_detail::round;
    const auto B = static_cast<std::size_t>(batch);
    return 2 * round(B * T * G) + round(std::size_t{G} * U) + 3 * round(B * U) +
           (is_gru && !reset_after ? round(std::size_t{U} * G) : 0) + products_floats(batch);
  }
  /// The products over all timesteps (train_detail::add_tn), and kernel^T for dx.
  static constexpr std::size_t products_floats(int batch) {
    const long long rows = 1LL * batch * T, wide = std::max(F, U);
    return std::max(train_detail::products_floats(wide, G, rows), train_detail::round(std::size_t{F} * G));
  }
  static constexpr std::size_t scratch_floats(int batch) {
    return std::max(forward_scratch_floats(batch), backward_scratch_floats(batch));
  }

  /// y = the cell over x (batch, T, F) from a zero state, as sequence() computes it: (batch, U), or
  /// (batch, T, U) with return_sequences, in the order computed. Keeps what backward needs in saved.
  static void forward(const Cell& cell, const cell_weights& w, int batch, bool return_sequences, bool go_backwards,
                      const float* x, float* y, float* saved, float* scratch) {
    if (batch <= 0) return;
    using V = simd::native;
    const activation::linear linear{};
    const int B = batch;
    const std::ptrdiff_t bu = static_cast<std::ptrdiff_t>(B) * U, bg = static_cast<std::ptrdiff_t>(B) * G;
    const saved_layout l = layout(B);
    float* H = saved + l.h;
    float* gates = saved + l.gates;
    float* pre = saved + l.pre;
    float* extra = saved + l.extra;
    float* C = saved + l.c;
    float* AC = saved + l.ac;
    float* xp = scratch;
    float* rec = scratch + train_detail::round(static_cast<std::size_t>(bg) * T);
    std::fill_n(H, bu, 0.0f);
    if constexpr (is_lstm) std::fill_n(C, bu, 0.0f);
    gemm::dense<G, F>(B * T, x, w.kernel, w.bias, xp, linear);

    for (int s = 0; s < T; ++s) {
      const int t = go_backwards ? T - 1 - s : s;
      const float* hp = H + s * bu;
      float* hn = H + (s + 1) * bu;
      float* gs = is_simple ? nullptr : gates + s * bg;
      float* ps = keep_pre ? pre + s * bg : gs;  // where the pre-activations go (else the gates, in place)
      auto xrow = [&](int b) { return xp + (static_cast<std::ptrdiff_t>(b) * T + t) * G; };
      if constexpr (is_gru && reset_after) {
        float* hh = extra + s * bu;
        gemm::blocked_fixed<V, G, U>(B, hp, U, w.recurrent_kernel, G, w.recurrent_bias, rec, G, linear);
        for (int b = 0; b < B; ++b) {
          const float* xr = xrow(b);
          const float* rr = rec + b * G;
          float* g = gs + b * G;
          float* p = ps + b * G;
          for (int j = 0; j < 2 * U; ++j) p[j] = xr[j] + rr[j];
          train_detail::activate_span(cell.recurrent_act, p, g, 2 * U);
          for (int j = 0; j < U; ++j) {
            hh[b * U + j] = rr[2 * U + j];
            p[2 * U + j] = xr[2 * U + j] + g[U + j] * rr[2 * U + j];
          }
          train_detail::activate_span(cell.act, p + 2 * U, g + 2 * U, U);
          for (int j = 0; j < U; ++j) {
            const float z = g[j], cand = g[2 * U + j];
            hn[b * U + j] = z * hp[b * U + j] + (1.0f - z) * cand;
          }
        }
      } else if constexpr (is_gru) {
        float* rh = extra + s * bu;
        gemm::blocked_fixed<V, 2 * U, U>(B, hp, U, w.recurrent_kernel, G, nullptr, rec, 2 * U, linear);
        for (int b = 0; b < B; ++b) {
          const float* xr = xrow(b);
          float* g = gs + b * G;
          float* p = ps + b * G;
          for (int j = 0; j < 2 * U; ++j) p[j] = xr[j] + rec[b * 2 * U + j];
          train_detail::activate_span(cell.recurrent_act, p, g, 2 * U);
          for (int j = 0; j < U; ++j) rh[b * U + j] = g[U + j] * hp[b * U + j];
        }
        gemm::blocked_fixed<V, U, U>(B, rh, U, w.recurrent_kernel + 2 * U, G, nullptr, rec, U, linear);
        for (int b = 0; b < B; ++b) {
          const float* xr = xrow(b);
          float* g = gs + b * G;
          float* p = ps + b * G;
          for (int j = 0; j < U; ++j) p[2 * U + j] = xr[2 * U + j] + rec[b * U + j];
          train_detail::activate_span(cell.act, p + 2 * U, g + 2 * U, U);
          for (int j = 0; j < U; ++j) {
            const float z = g[j], cand = g[2 * U + j];
            hn[b * U + j] = z * hp[b * U + j] + (1.0f - z) * cand;
          }
        }
      } else if constexpr (is_lstm) {
        const float* cp = C + s * bu;
        float* cn = C + (s + 1) * bu;
        float* ac = AC + s * bu;
        gemm::blocked_fixed<V, G, U>(B, hp, U, w.recurrent_kernel, G, nullptr, rec, G, linear);
        for (int b = 0; b < B; ++b) {
          const float* xr = xrow(b);
          const float* rr = rec + b * G;
          float* g = gs + b * G;
          float* p = ps + b * G;
          for (int j = 0; j < G; ++j) p[j] = xr[j] + rr[j];
          train_detail::activate_span(cell.recurrent_act, p, g, 2 * U);
          train_detail::activate_span(cell.act, p + 2 * U, g + 2 * U, U);
          train_detail::activate_span(cell.recurrent_act, p + 3 * U, g + 3 * U, U);
          for (int j = 0; j < U; ++j) cn[b * U + j] = g[U + j] * cp[b * U + j] + g[j] * g[2 * U + j];
          train_detail::activate_span(cell.act, cn + b * U, ac + b * U, U);
          for (int j = 0; j < U; ++j) hn[b * U + j] = g[3 * U + j] * ac[b * U + j];
        }
      } else {
        float* p = keep_pre ? pre + s * bg : hn;
        gemm::blocked_fixed<V, U, U>(B, hp, U, w.recurrent_kernel, U, nullptr, rec, U, linear);
        for (int b = 0; b < B; ++b) {
          const float* xr = xrow(b);
          for (int j = 0; j < U; ++j) p[b * U + j] = xr[j] + rec[b * U + j];
        }
        train_detail::activate_span(cell.act, p, hn, B * U);
      }
      if (return_sequences)
        for (int b = 0; b < B; ++b) std::copy_n(hn + b * U, U, y + (static_cast<std::ptrdiff_t>(b) * T + s) * U);
    }
    if (!return_sequences) std::copy_n(H + T * bu, bu, y);
  }

  /// Given dy = dL/dy for the y of forward() (whose saved this is), writes dx = dL/dx unless dx is
  /// null, and adds dL/dweights to the non-null arrays of g.
  static void backward(const Cell& cell, const cell_weights& w, int batch, bool return_sequences, bool go_backwards,
                       const float* x, const float* dy, float* dx, const float* saved, float* scratch,
                       const cell_gradients& g) {
    if (batch <= 0) return;
    using V = simd::native;
    using train_detail::round;
    const activation::linear linear{};
    const int B = batch;
    const std::ptrdiff_t bu = static_cast<std::ptrdiff_t>(B) * U, bg = static_cast<std::ptrdiff_t>(B) * G;
    const saved_layout l = layout(B);
    const float* H = saved + l.h;
    const float* gates = saved + l.gates;
    const float* pre = saved + l.pre;
    const float* extra = saved + l.extra;
    const float* C = saved + l.c;
    const float* AC = saved + l.ac;

    float* dxp = scratch;                                      // (B, T, G), x's order
    float* dhp = dxp + round(static_cast<std::size_t>(bg) * T);  // (T, B, G), the steps' order
    float* ut = dhp + round(static_cast<std::size_t>(bg) * T);   // recurrent_kernel^T (G, U)
    float* dh = ut + round(std::size_t{G} * U);
    float* tmp = dh + round(static_cast<std::size_t>(bu));
    float* dc = tmp + round(static_cast<std::size_t>(bu));
    float* du = dc + round(static_cast<std::size_t>(bu));  // reset_before: dU before it is added
    float* work = du + (is_gru && !reset_after ? round(std::size_t{U} * G) : 0);
    for (int k = 0; k < G; ++k)
      for (int j = 0; j < U; ++j) ut[k * U + j] = w.recurrent_kernel[j * G + k];
    std::fill_n(dh, bu, 0.0f);
    if constexpr (is_lstm) std::fill_n(dc, bu, 0.0f);
    if (!return_sequences) std::copy_n(dy, bu, dh);
    // GRU reset_before: the recurrent products' gradients split, z and r (T, B, 2U) in dhp, then the
    // candidate's (T, B, U), whose recurrent input is r*h rather than h.
    float* dhc = is_gru ? dhp + static_cast<std::ptrdiff_t>(T) * B * 2 * U : nullptr;

    const act_type& act = cell.act;
    const recurrent_act_type ract = [&] {
      if constexpr (is_simple)
        return activation::linear{};
      else
        return cell.recurrent_act;
    }();

    for (int s = T - 1; s >= 0; --s) {
      const int t = go_backwards ? T - 1 - s : s;
      if (return_sequences)
        for (int b = 0; b < B; ++b) {
          const float* d = dy + (static_cast<std::ptrdiff_t>(b) * T + s) * U;
          for (int j = 0; j < U; ++j) dh[b * U + j] += d[j];
        }
      const float* hp = H + s * bu;
      const float* gs = is_simple ? nullptr : gates + s * bg;
      const float* ps = keep_pre ? pre + s * bg : nullptr;
      auto dxrow = [&](int b) { return dxp + (static_cast<std::ptrdiff_t>(b) * T + t) * G; };
      auto pre_row = [&](int b) { return keep_pre ? ps + b * G : nullptr; };
      if constexpr (is_gru && reset_after) {
        const float* hh = extra + s * bu;
        float* ds = dhp + s * bg;
        for (int b = 0; b < B; ++b)
          gru_row(act, ract, gs + b * G, pre_row(b), hp + b * U, hh + b * U, dh + b * U, dxrow(b), ds + b * G);
        gemm::blocked_fixed<V, U, G>(B, ds, G, ut, U, nullptr, tmp, U, linear);
        for (std::ptrdiff_t i = 0; i < bu; ++i) dh[i] += tmp[i];
      } else if constexpr (is_gru) {
        float* dzr = dhp + s * B * 2 * U;
        float* dcs = dhc + s * bu;
        for (int b = 0; b < B; ++b)
          gru_before_row(act, ract, gs + b * G, pre_row(b), hp + b * U, dh + b * U, dxrow(b), dzr + b * 2 * U,
                         dcs + b * U);
        // d(r*h) = dcand . U_h^T; it reaches r and h.
        gemm::blocked_fixed<V, U, U>(B, dcs, U, ut + 2 * U * U, U, nullptr, tmp, U, linear);
        for (int b = 0; b < B; ++b)
          gru_before_reset_row(ract, gs + b * G, pre_row(b), hp + b * U, tmp + b * U, dh + b * U, dxrow(b),
                               dzr + b * 2 * U);
        gemm::blocked_fixed<V, U, 2 * U>(B, dzr, 2 * U, ut, U, nullptr, tmp, U, linear);
        for (std::ptrdiff_t i = 0; i < bu; ++i) dh[i] += tmp[i];
      } else if constexpr (is_lstm) {
        float* ds = dhp + s * bg;
        for (int b = 0; b < B; ++b) {
          const std::ptrdiff_t k = static_cast<std::ptrdiff_t>(b) * U;
          lstm_row(act, ract, gs + b * G, pre_row(b), C + s * bu + k, C + (s + 1) * bu + k, AC + s * bu + k, dh + k,
                   dc + k, dxrow(b), ds + b * G);
        }
        gemm::blocked_fixed<V, U, G>(B, ds, G, ut, U, nullptr, dh, U, linear);
      } else {
        float* ds = dhp + s * bg;
        for (int b = 0; b < B; ++b) {
          const std::ptrdiff_t k = static_cast<std::ptrdiff_t>(b) * U;
          simple_row(act, keep_pre ? ps + k : nullptr, H + (s + 1) * bu + k, dh + k, dxrow(b), ds + k);
        }
        gemm::blocked_fixed<V, U, U>(B, ds, U, ut, U, nullptr, dh, U, linear);
      }
    }

    const int rows = B * T;
    if (g.kernel) train_detail::add_tn<G>(F, rows, x, dxp, g.kernel, work);
    if (g.bias) gemm::add_column_sums(rows, G, dxp, g.bias);
    if (g.recurrent_kernel) {
      if constexpr (is_gru && !reset_after) {
        // The z and r columns from h, the candidate's from r*h; summed apart, then added column-wise.
        std::fill_n(du, std::ptrdiff_t{U} * G, 0.0f);
        train_detail::add_tn<2 * U>(U, rows, H, dhp, du, work);
        train_detail::add_tn<U>(U, rows, extra, dhc, du + 2 * U * U, work);
        for (int k = 0; k < U; ++k) {
          float* out = g.recurrent_kernel + k * G;
          for (int j = 0; j < 2 * U; ++j) out[j] += du[k * 2 * U + j];
          for (int j = 0; j < U; ++j) out[2 * U + j] += du[2 * U * U + k * U + j];
        }
      } else {
        train_detail::add_tn<G>(U, rows, H, dhp, g.recurrent_kernel, work);
      }
    }
    if (g.recurrent_bias) gemm::add_column_sums(rows, G, dhp, g.recurrent_bias);
    if (dx) {
      if (gemm::uses_blas(rows, F, G)) {
        std::fill_n(dx, static_cast<std::ptrdiff_t>(rows) * F, 0.0f);
        gemm::gemm_nt(rows, F, G, dxp, w.kernel, dx);
      } else {  // dx = dxp . kernel^T through the blocked kernel, kernel transposed (G, F)
        for (int k = 0; k < G; ++k)
          for (int f = 0; f < F; ++f) work[k * F + f] = w.kernel[f * G + k];
        gemm::blocked_fixed<V, F, G>(rows, dxp, G, work, F, nullptr, dx, F, linear);
      }
    }
  }

 private:
  // One batch entry's gate gradients at one step, from dh (and, LSTM, the carried dc): into dx's
  // projected rows (dxr) and the recurrent products' (dr). Restrict: the units vectorize.
  // GRU reset_after: dh becomes its direct part, dh * z.
  static void gru_row(const act_type& act, const recurrent_act_type& ract, const float* TSHAPE_RESTRICT gr,
                      const float* TSHAPE_RESTRICT pr, const float* TSHAPE_RESTRICT hp, const float* TSHAPE_RESTRICT hh,
                      float* TSHAPE_RESTRICT dh, float* TSHAPE_RESTRICT dxr, float* TSHAPE_RESTRICT dr) {
    for (int j = 0; j < U; ++j) {
      const float z = gr[j], r = gr[U + j], cand = gr[2 * U + j], d = dh[j];
      const float dcand = d * (1.0f - z) * act.grad(keep_pre ? pr[2 * U + j] : 0.0f, cand);
      const float dz = d * (hp[j] - cand) * ract.grad(keep_pre ? pr[j] : 0.0f, z);
      const float drr = dcand * hh[j] * ract.grad(keep_pre ? pr[U + j] : 0.0f, r);
      dxr[j] = dz;
      dr[j] = dz;
      dxr[U + j] = drr;
      dr[U + j] = drr;
      dxr[2 * U + j] = dcand;
      dr[2 * U + j] = dcand * r;
      dh[j] = d * z;
    }
  }
  // GRU reset_before, first half: the candidate's and z's gradients (dcs, the candidate's alone).
  static void gru_before_row(const act_type& act, const recurrent_act_type& ract, const float* TSHAPE_RESTRICT gr,
                             const float* TSHAPE_RESTRICT pr, const float* TSHAPE_RESTRICT hp, float* TSHAPE_RESTRICT dh,
                             float* TSHAPE_RESTRICT dxr, float* TSHAPE_RESTRICT dzr, float* TSHAPE_RESTRICT dcs) {
    for (int j = 0; j < U; ++j) {
      const float z = gr[j], cand = gr[2 * U + j], d = dh[j];
      const float dcand = d * (1.0f - z) * act.grad(keep_pre ? pr[2 * U + j] : 0.0f, cand);
      const float dz = d * (hp[j] - cand) * ract.grad(keep_pre ? pr[j] : 0.0f, z);
      dxr[2 * U + j] = dcand;
      dcs[j] = dcand;
      dxr[j] = dz;
      dzr[j] = dz;
      dh[j] = d * z;
    }
  }
  // Second half, from drh = d(r*h): r's gradient, and h's through r*h.
  static void gru_before_reset_row(const recurrent_act_type& ract, const float* TSHAPE_RESTRICT gr,
                                   const float* TSHAPE_RESTRICT pr, const float* TSHAPE_RESTRICT hp,
                                   const float* TSHAPE_RESTRICT drh, float* TSHAPE_RESTRICT dh, float* TSHAPE_RESTRICT dxr,
                                   float* TSHAPE_RESTRICT dzr) {
    for (int j = 0; j < U; ++j) {
      const float r = gr[U + j];
      const float drr = drh[j] * hp[j] * ract.grad(keep_pre ? pr[U + j] : 0.0f, r);
      dxr[U + j] = drr;
      dzr[U + j] = drr;
      dh[j] += drh[j] * r;
    }
  }
  // LSTM: dc is the gradient carried from the next step, and leaves as this step's to the previous.
  static void lstm_row(const act_type& act, const recurrent_act_type& ract, const float* TSHAPE_RESTRICT gr,
                       const float* TSHAPE_RESTRICT pr, const float* TSHAPE_RESTRICT cp, const float* TSHAPE_RESTRICT cn,
                       const float* TSHAPE_RESTRICT ac, const float* TSHAPE_RESTRICT dh, float* TSHAPE_RESTRICT dc,
                       float* TSHAPE_RESTRICT dxr, float* TSHAPE_RESTRICT dr) {
    for (int j = 0; j < U; ++j) {
      const float ig = gr[j], fg = gr[U + j], gg = gr[2 * U + j], og = gr[3 * U + j], d = dh[j];
      const float dcv = dc[j] + d * og * act.grad(cn[j], ac[j]);
      const float di = dcv * gg * ract.grad(keep_pre ? pr[j] : 0.0f, ig);
      const float df = dcv * cp[j] * ract.grad(keep_pre ? pr[U + j] : 0.0f, fg);
      const float dg = dcv * ig * act.grad(keep_pre ? pr[2 * U + j] : 0.0f, gg);
      const float dout = d * ac[j] * ract.grad(keep_pre ? pr[3 * U + j] : 0.0f, og);
      dxr[j] = di;
      dr[j] = di;
      dxr[U + j] = df;
      dr[U + j] = df;
      dxr[2 * U + j] = dg;
      dr[2 * U + j] = dg;
      dxr[3 * U + j] = dout;
      dr[3 * U + j] = dout;
      dc[j] = dcv * fg;
    }
  }
  static void simple_row(const act_type& act, const float* TSHAPE_RESTRICT pr, const float* TSHAPE_RESTRICT h,
                         const float* TSHAPE_RESTRICT dh, float* TSHAPE_RESTRICT dxr, float* TSHAPE_RESTRICT dr) {
    for (int j = 0; j < U; ++j) {
      const float d = dh[j] * act.grad(keep_pre ? pr[j] : 0.0f, h[j]);
      dxr[j] = d;
      dr[j] = d;
    }
  }
};

}  // namespace tshape::kernels::recurrent
