// The recurrent cells written as plainly as the math in Keras' source, one scalar at a time: the
// twin that the SIMD kernels (cells.hpp, sequence.hpp) are tested against. Not fast, and not meant to be.
//
// Layouts are Keras': x (batch, timesteps, features); kernel (features, G*units) and
// recurrent_kernel (units, G*units) with gate column blocks GRU [z|r|h], LSTM [i|f|c|o],
// SimpleRNN one block; bias G*units (GRU reset_after: two rows, input then recurrent).
// Outputs are in processing order (Keras: go_backwards does not flip the outputs back).
#pragma once
#include <cstddef>
#include <vector>

namespace tshape::kernels::recurrent::reference {

struct shapes {
  int batch, timesteps, features, units;
};

namespace detail {
inline float dot_col(const float* v, int n, const float* m, std::ptrdiff_t ld, int col) {
  float s = 0.0f;
  for (int k = 0; k < n; ++k) s += v[k] * m[k * ld + col];
  return s;
}
// Runs `cell(xt, h, c, h_new, c_new)` over the sequence, in the order Keras does, and writes outputs.
template <class Cell>
void run(const shapes& s, const float* x, float* y, bool return_sequences, bool go_backwards, float* h, float* c,
         Cell cell) {
  const int B = s.batch, T = s.timesteps, F = s.features, U = s.units;
  std::vector<float> hn(static_cast<std::size_t>(U)), cn(static_cast<std::size_t>(U));
  for (int b = 0; b < B; ++b) {
    float* hb = h + static_cast<std::ptrdiff_t>(b) * U;
    float* cb = c ? c + static_cast<std::ptrdiff_t>(b) * U : nullptr;
    for (int step = 0; step < T; ++step) {
      const int t = go_backwards ? T - 1 - step : step;
      cell(x + (static_cast<std::ptrdiff_t>(b) * T + t) * F, hb, cb, hn.data(), cn.data());
      for (int j = 0; j < U; ++j) {
        hb[j] = hn[j];
        if (cb) cb[j] = cn[j];
      }
      if (return_sequences)
        for (int j = 0; j < U; ++j) y[(static_cast<std::ptrdiff_t>(b) * T + step) * U + j] = hb[j];
    }
    if (!return_sequences)
      for (int j = 0; j < U; ++j) y[static_cast<std::ptrdiff_t>(b) * U + j] = hb[j];
  }
}
}  // namespace detail

/// GRU. reset_after: bias is (2, 3U) (or null); else bias is (3U,) (or null). h (batch, U) is the
/// initial state on entry and the final state on return.
template <class Act, class RecAct>
void gru(const shapes& s, const float* x, const float* kernel, const float* rec, const float* bias, bool reset_after,
         float* y, bool return_sequences, bool go_backwards, float* h, Act act, RecAct rec_act) {
  const int F = s.features, U = s.units, G = 3 * U;
  std::vector<float> rh(static_cast<std::size_t>(U));
  detail::run(s, x, y, return_sequences, go_backwards, h, nullptr,
              [&](const float* xt, const float* hp, const float*, float* hn, float*) {
                for (int j = 0; j < U; ++j) {
                  const float bz = bias ? bias[j] : 0.0f, br = bias ? bias[U + j] : 0.0f;
                  const float* rb = (bias && reset_after) ? bias + G : nullptr;
                  const float xz = detail::dot_col(xt, F, kernel, G, j) + bz;
                  const float xr = detail::dot_col(xt, F, kernel, G, U + j) + br;
                  const float hz = detail::dot_col(hp, U, rec, G, j) + (rb ? rb[j] : 0.0f);
                  const float hr = detail::dot_col(hp, U, rec, G, U + j) + (rb ? rb[U + j] : 0.0f);
                  hn[j] = rec_act(xz + hz);  // z, for now
                  rh[j] = rec_act(xr + hr);  // r, for now
                }
                if (reset_after) {
                  for (int j = 0; j < U; ++j) {
                    const float xh = detail::dot_col(xt, F, kernel, G, 2 * U + j) + (bias ? bias[2 * U + j] : 0.0f);
                    const float hh = detail::dot_col(hp, U, rec, G, 2 * U + j) + (bias ? bias[G + 2 * U + j] : 0.0f);
                    const float z = hn[j];
                    const float cand = act(xh + rh[j] * hh);
                    hn[j] = z * hp[j] + (1.0f - z) * cand;
                  }
                } else {
                  for (int j = 0; j < U; ++j) rh[j] *= hp[j];
                  for (int j = 0; j < U; ++j) {
                    const float xh = detail::dot_col(xt, F, kernel, G, 2 * U + j) + (bias ? bias[2 * U + j] : 0.0f);
                    const float z = hn[j];
                    const float cand = act(xh + detail::dot_col(rh.data(), U, rec, G, 2 * U + j));
                    hn[j] = z * hp[j] + (1.0f - z) * cand;
                  }
                }
              });
}

/// LSTM; bias (4U,) or null. h and c (batch, U) are the initial state on entry, the final on return.
template <class Act, class RecAct>
void lstm(const shapes& s, const float* x, const float* kernel, const float* rec, const float* bias, float* y,
          bool return_sequences, bool go_backwards, float* h, float* c, Act act, RecAct rec_act) {
  const int F = s.features, U = s.units, G = 4 * U;
  detail::run(s, x, y, return_sequences, go_backwards, h, c,
              [&](const float* xt, const float* hp, const float* cp, float* hn, float* cn) {
                for (int j = 0; j < U; ++j) {
                  float z[4];
                  for (int g = 0; g < 4; ++g)
                    z[g] = detail::dot_col(xt, F, kernel, G, g * U + j) + detail::dot_col(hp, U, rec, G, g * U + j) +
                           (bias ? bias[g * U + j] : 0.0f);
                  const float i = rec_act(z[0]), f = rec_act(z[1]), o = rec_act(z[3]);
                  cn[j] = f * cp[j] + i * act(z[2]);
                  hn[j] = o * act(cn[j]);
                }
              });
}

/// SimpleRNN; bias (U,) or null. h (batch, U) is the initial state on entry, the final on return.
template <class Act>
void simple_rnn(const shapes& s, const float* x, const float* kernel, const float* rec, const float* bias, float* y,
                bool return_sequences, bool go_backwards, float* h, Act act) {
  const int F = s.features, U = s.units;
  detail::run(s, x, y, return_sequences, go_backwards, h, nullptr,
              [&](const float* xt, const float* hp, const float*, float* hn, float*) {
                for (int j = 0; j < U; ++j)
                  hn[j] = act(detail::dot_col(xt, F, kernel, U, j) + detail::dot_col(hp, U, rec, U, j) +
                              (bias ? bias[j] : 0.0f));
              });
}

}  // namespace tshape::kernels::recurrent::reference
