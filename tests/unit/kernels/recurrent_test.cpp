#include <tshape/kernels/recurrent/cells.hpp>
#include <tshape/kernels/recurrent/reference.hpp>
#include <tshape/kernels/recurrent/sequence.hpp>

#include <string>
#include <vector>

#include "../support.hpp"

namespace rk = tshape::kernels::recurrent;
namespace act = tshape::kernels::activation;
namespace simd = tshape::kernels::simd;

namespace {

enum class kind { gru, gru_reset_before, lstm, simple };

int gates_of(kind k) { return k == kind::lstm ? 4 : k == kind::simple ? 1 : 3; }

// One cell's random parameters, in Keras' layouts.
struct params {
  std::vector<float> kernel, rec, bias;
  params(kind k, int F, int U, bool use_bias, tshape_test::random_floats& rnd) {
    const int G = gates_of(k) * U;
    kernel.resize(static_cast<std::size_t>(F) * G);
    rec.resize(static_cast<std::size_t>(U) * G);
    rnd.fill(kernel, -0.6f, 0.6f);
    rnd.fill(rec, -0.5f, 0.5f);
    if (use_bias) {
      bias.resize(static_cast<std::size_t>(k == kind::gru ? 2 * G : G));
      rnd.fill(bias, -0.5f, 0.5f);
    }
  }
  const float* b() const { return bias.empty() ? nullptr : bias.data(); }
  rk::cell_weights weights(kind k, int U) const {
    rk::cell_weights w;
    w.kernel = kernel.data();
    w.recurrent_kernel = rec.data();
    w.bias = b();
    if (k == kind::gru && b()) w.recurrent_bias = b() + 3 * U;
    return w;
  }
};

struct run_result {
  std::vector<float> y, h, c;
};

// The scalar reference over the sequence, from the given initial state.
template <class Act, class RecAct>
run_result reference(kind k, const rk::sequence_shape& s, const params& p, const std::vector<float>& x,
                     std::vector<float> h, std::vector<float> c, Act a, RecAct ra) {
  run_result out;
  out.y.resize(static_cast<std::size_t>(s.batch) * (s.return_sequences ? s.timesteps : 1) * s.units);
  const rk::reference::shapes sh{s.batch, s.timesteps, s.features, s.units};
  switch (k) {
    case kind::gru:
    case kind::gru_reset_before:
      rk::reference::gru(sh, x.data(), p.kernel.data(), p.rec.data(), p.b(), k == kind::gru, out.y.data(),
                         s.return_sequences, s.go_backwards, h.data(), a, ra);
      break;
    case kind::lstm:
      rk::reference::lstm(sh, x.data(), p.kernel.data(), p.rec.data(), p.b(), out.y.data(), s.return_sequences,
                          s.go_backwards, h.data(), c.data(), a, ra);
      break;
    case kind::simple:
      rk::reference::simple_rnn(sh, x.data(), p.kernel.data(), p.rec.data(), p.b(), out.y.data(), s.return_sequences,
                                s.go_backwards, h.data(), a);
      break;
  }
  out.h = h;
  out.c = c;
  return out;
}

// The kernel-side cell object for kind K.
template <kind K, class Act, class RecAct>
auto make_cell(Act a, RecAct ra) {
  if constexpr (K == kind::gru)
    return rk::gru<Act, RecAct, true>{a, ra};
  else if constexpr (K == kind::gru_reset_before)
    return rk::gru<Act, RecAct, false>{a, ra};
  else if constexpr (K == kind::lstm)
    return rk::lstm<Act, RecAct>{a, ra};
  else
    return rk::simple<Act>{a};
}

// The SIMD sequence (projection GEMM, then one projected step per timestep).
template <class V, kind k, class Act, class RecAct>
run_result simd_sequence(const rk::sequence_shape& s, const params& p, const std::vector<float>& x,
                         std::vector<float> h, std::vector<float> c, Act a, RecAct ra) {
  run_result out;
  out.y.resize(static_cast<std::size_t>(s.batch) * (s.return_sequences ? s.timesteps : 1) * s.units);
  const auto cell = make_cell<k>(a, ra);
  std::vector<float> scratch(rk::sequence_scratch_floats<decltype(cell)>(s) + 16);
  rk::sequence<V>(cell, p.weights(k, s.units), s, x.data(), out.y.data(), h.data(),
                  k == kind::lstm ? c.data() : nullptr, scratch.data());
  out.h = h;
  out.c = c;
  return out;
}

// The SIMD fused steps, one timestep at a time (as a stream runs them).
template <class V, kind k, class Act, class RecAct>
run_result simd_steps(const rk::sequence_shape& s, const params& p, const std::vector<float>& x,
                      std::vector<float> h, std::vector<float> c, Act a, RecAct ra) {
  const int B = s.batch, T = s.timesteps, F = s.features, U = s.units;
  run_result out;
  out.y.resize(static_cast<std::size_t>(B) * (s.return_sequences ? T : 1) * U);
  std::vector<float> hn(h.size()), work(static_cast<std::size_t>(2 * B * U) + 1);
  const auto cell = make_cell<k>(a, ra);
  {
    for (int step = 0; step < T; ++step) {
      const int t = s.go_backwards ? T - 1 - step : step;
      rk::step_rows r;
      r.rows = B;
      r.x = x.data() + static_cast<std::ptrdiff_t>(t) * F;
      r.x_stride = static_cast<std::ptrdiff_t>(T) * F;
      r.h = h.data();
      r.h_stride = U;
      r.h_out = hn.data();
      r.h_out_stride = U;
      r.c = c.data();
      r.c_stride = U;
      r.work = work.data();
      rk::step<V, true>(cell, p.weights(k, U), r, F, U);
      h = hn;
      for (int b = 0; b < B; ++b)
        for (int j = 0; j < U; ++j) {
          const float v = h[static_cast<std::size_t>(b * U + j)];
          if (s.return_sequences)
            out.y[(static_cast<std::size_t>(b) * T + step) * U + j] = v;
          else if (step == T - 1)
            out.y[static_cast<std::size_t>(b) * U + j] = v;
        }
    }
  }
  out.h = h;
  out.c = c;
  return out;
}

void require_same(const run_result& got, const run_result& want, kind k, double rel) {
  tshape_test::require_close(got.y, want.y, rel, 2e-5);
  tshape_test::require_close(got.h, want.h, rel, 2e-5);
  if (k == kind::lstm) tshape_test::require_close(got.c, want.c, rel, 2e-5);
}

template <class V, kind k, class Act, class RecAct>
void check_many_shapes(Act a, RecAct ra, double rel = 5e-5) {
  tshape_test::random_floats rnd(11 + static_cast<int>(k));
  for (int F : {1, 3, 8, 17})
      for (int U : {1, 5, 8, 16, 17, 32, 33, 70})
        for (int B : {1, 2, 3, 5, 9}) {
          const int T = 1 + (F + U + B) % 4;
          const bool use_bias = (U + B) % 5 != 0;
          const rk::sequence_shape s{B, T, F, U, (U + F) % 2 == 1, (B + U) % 3 == 0};
          INFO(V::name << " cell " << static_cast<int>(k) << " F " << F << " U " << U << " B " << B << " T " << T
                       << " bias " << use_bias << " sequences " << s.return_sequences << " backwards "
                       << s.go_backwards);
          const params p(k, F, U, use_bias, rnd);
          std::vector<float> x(static_cast<std::size_t>(B) * T * F), h(static_cast<std::size_t>(B) * U),
              c(static_cast<std::size_t>(B) * U);
          rnd.fill(x, -2.0f, 2.0f);
          rnd.fill(h, -0.9f, 0.9f);
          rnd.fill(c, -2.0f, 2.0f);
          const auto want = reference(k, s, p, x, h, c, a, ra);
          require_same(simd_sequence<V, k>(s, p, x, h, c, a, ra), want, k, rel);
          require_same(simd_steps<V, k>(s, p, x, h, c, a, ra), want, k, rel);
        }
}

}  // namespace

TEST_CASE("recurrent kernels: every cell agrees with the scalar reference over many shapes", "[kernels][recurrent]") {
  // The AVX2, NEON and scalar paths run as `native` in their own configurations (tests/run.sh).
  check_many_shapes<simd::native, kind::gru>(act::tanh{}, act::sigmoid{});
  check_many_shapes<simd::native, kind::gru_reset_before>(act::tanh{}, act::sigmoid{});
  check_many_shapes<simd::native, kind::lstm>(act::tanh{}, act::sigmoid{});
  check_many_shapes<simd::native, kind::simple>(act::tanh{}, act::sigmoid{});
}

TEST_CASE("recurrent kernels: another activation (ELU, applied lane by lane)", "[kernels][recurrent]") {
  check_many_shapes<simd::native, kind::lstm>(act::elu{0.5f}, act::sigmoid{});
}

namespace {

// One fused step for B rows with the sizes at run time and with them compiled in: the same numbers,
// to the bit (the same tiles in the same order), h and, for LSTM, c.
template <kind K>
void check_fixed_step(tshape_test::random_floats& rnd) {
  constexpr int F = 8, U = 32;
  const auto cell = make_cell<K>(act::tanh{}, act::sigmoid{});
  for (int B : {1, 4, 7}) {
    INFO("cell " << static_cast<int>(K) << " B " << B);
    const params p(K, F, U, true, rnd);
    const auto n = static_cast<std::size_t>(B) * U;
    std::vector<float> x(static_cast<std::size_t>(B) * F), h(n), c(n), h_run(n), h_fixed(n), work(2 * n);
    rnd.fill(x);
    rnd.fill(h);
    rnd.fill(c, -2.0f, 2.0f);
    std::vector<float> c_run = c, c_fixed = c;
    rk::step_rows r;
    r.rows = B;
    r.x = x.data();
    r.x_stride = F;
    r.h = h.data();
    r.h_stride = U;
    r.h_out_stride = U;
    r.c_stride = U;
    r.work = work.data();
    r.h_out = h_run.data();
    r.c = c_run.data();
    rk::step<simd::native, true>(cell, p.weights(K, U), r, F, U);
    r.h_out = h_fixed.data();
    r.c = c_fixed.data();
    rk::step_fixed<simd::native, true, F, U>(cell, p.weights(K, U), r);
    CHECK(h_run == h_fixed);
    CHECK(h_run != h);  // the step did write its output
    if constexpr (K == kind::lstm) {
      CHECK(c_run == c_fixed);
      CHECK(c_run != c);
    }
  }
}

}  // namespace

TEST_CASE("recurrent kernels: fixed-size steps agree with the run-time sizes", "[kernels][recurrent]") {
  tshape_test::random_floats rnd(5);
  check_fixed_step<kind::gru>(rnd);
  check_fixed_step<kind::gru_reset_before>(rnd);
  check_fixed_step<kind::lstm>(rnd);
  check_fixed_step<kind::simple>(rnd);
}
