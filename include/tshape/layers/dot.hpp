// Dot<Axes<A...>, Options...>: the dot product of two inputs along one axis of each, as Keras' Dot.
//
//   Dot<Axes<1>>                    Keras' Dot(axes=1)
//   Dot<Axes<2, 1>>                 Keras' Dot(axes=(2, 1)): axis 2 of the first input, 1 of the second
//   Dot<Axes<1>, Normalize<true>>   Keras' Dot(axes=1, normalize=True): cosine similarity
//
// Axes are counted as Keras counts them, the batch being axis 0: the first axis of a sample is 1,
// and a negative axis counts from the end (-1 is a sample's last axis). Axis 0, the batch, cannot be
// contracted. Normalize<true> first divides each input by its L2 norm along its axis, as
// tf.linalg.l2_normalize (the squared norm floored at 1e-12).
//
// Shapes, as Keras' batch_dot: for samples x and y, out[i..., j...] = sum_k x[..., k, ...] * y[..., k, ...],
// where i... are x's axes other than its contracted one, then j... y's; when neither has another axis
// the output is (1,) per sample. So (N, 8) . (N, 8) with Axes<1> gives (N, 1); (N, T, 8) . (N, 8, U)
// with Axes<2, 1> gives (N, T, U) (a matrix product per sample); (N, T, 8) . (N, S, 8) with Axes<2>
// gives (N, T, S) (attention scores).
//
// A merge layer (functional models) of exactly two inputs whose extents along the contracted axes are
// equal. Otherwise the rule gives mismatch<error::DOT_MISMATCH, error::dot_axes<A...>,
// error::input_shape<None, D...>, error::input_shape<None, D...>> (with error::axis_out_of_range after
// dot_axes when an input has no such axis, or error::expected_input_count<2> for another number of
// inputs). No parameters.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../kernels/activation/activation.hpp"
#include "../kernels/gemm/gemm.hpp"
#include "../kernels/gemm/transposed.hpp"
#include "merging.hpp"

namespace tshape {

/// Dot's axes, counted as Keras counts them (the batch is 0): Axes<a> for both inputs, or one per input.
/// Another count is Dot's option rule to report (the type itself stays valid: no second error).
template <int... A>
struct Axes {
  static constexpr bool one_or_two = sizeof...(A) == 1 || sizeof...(A) == 2;
  using count_rule = error::axes_gives_one_axis_or_one_per_input<A...>;
  static constexpr std::array<int, 2> values = [] {
    constexpr std::array<int, sizeof...(A) + 1> given{A..., 0};
    return std::array<int, 2>{given.front(), sizeof...(A) == 2 ? given[1] : given.front()};
  }();
};

/// Option of Dot: Normalize<true> L2-normalizes both inputs along their axes first (Keras' normalize=True).
template <bool B>
struct Normalize {
  static constexpr bool value = B;
};

namespace detail {

template <class T>
struct is_axes : std::false_type {};
template <int... A>
struct is_axes<Axes<A...>> : std::true_type {};
template <class T>
struct is_normalize : std::false_type {};
template <bool B>
struct is_normalize<Normalize<B>> : std::true_type {};

/// Keras' axis `a` (batch = 0, negative from the end) of an input whose samples have rank `rank`, as
/// an axis of one sample; -1 when it names the batch or no axis.
constexpr int dot_sample_axis(int a, int rank) {
  const int ndim = rank + 1;
  if (a < -ndim || a >= ndim) return -1;
  const int full = a < 0 ? a + ndim : a;
  return full - 1;
}

/// Dot's option rule (layer.hpp): Axes first, of one or two axes, then at most one Normalize.
template <class It, class AxesSpec, class... Options>
constexpr auto dot_option_rule() {
  using R = options_rule_t<It, is_normalize, type_list<Options...>, is_normalize>;
  if constexpr (!is_axes<AxesSpec>::value)
    return mismatch<error::BAD_OPTION_VALUE, error::first_argument_is_Axes<AxesSpec>>{};
  else if constexpr (!std::is_void_v<R>)
    return R{};
  else if constexpr (!AxesSpec::one_or_two)
    return mismatch<error::BAD_OPTION_VALUE, typename AxesSpec::count_rule>{};
  else
    return;
}

template <class AxesSpec, class... S>
struct dot_rule {
  static constexpr auto result() { return; }  // not reached: Dot's option rule reports AxesSpec first
};
template <int... A, class... S>
struct dot_rule<Axes<A...>, S...> {
  static constexpr auto result() {
    if constexpr (sizeof...(S) != 2) {
      return mismatch<error::DOT_MISMATCH, error::dot_axes<A...>, error::expected_input_count<2>,
                      merge_input_t<S>...>{};
    } else {
      using X = type_at_t<0, type_list<S...>>;
      using Y = type_at_t<1, type_list<S...>>;
      constexpr int p0 = dot_sample_axis(Axes<A...>::values[0], X::rank);
      constexpr int p1 = dot_sample_axis(Axes<A...>::values[1], Y::rank);
      if constexpr (p0 < 0 || p1 < 0) {
        return mismatch<error::DOT_MISMATCH, error::dot_axes<A...>, error::axis_out_of_range, merge_input_t<X>,
                        merge_input_t<Y>>{};
      } else {
        constexpr int d0 = X::extents[static_cast<std::size_t>(p0)], d1 = Y::extents[static_cast<std::size_t>(p1)];
        if constexpr (d0 != d1 && d0 != dyn && d1 != dyn) {
          return mismatch<error::DOT_MISMATCH, error::dot_axes<A...>, merge_input_t<X>, merge_input_t<Y>>{};
        } else {
          constexpr auto out = [] {
            constexpr int n = X::rank + Y::rank - 2;
            std::array<int, static_cast<std::size_t>(n > 0 ? n : 1)> e{};
            if constexpr (n == 0) {
              e[0] = 1;
            } else {
              std::size_t i = 0;
              for (int a = 0; a < X::rank; ++a)
                if (a != p0) e[i++] = X::extents[static_cast<std::size_t>(a)];
              for (int a = 0; a < Y::rank; ++a)
                if (a != p1) e[i++] = Y::extents[static_cast<std::size_t>(a)];
            }
            return e;
          }();
          return shape_from_array_t<out>{};
        }
      }
    }
  }
};

/// The extents of S before axis P, along it, and after it, as products: S is [before, d, after].
template <class S, int P>
struct split_at_axis {
  static constexpr std::ptrdiff_t before = [] {
    std::ptrdiff_t p = 1;
    for (int a = 0; a < P; ++a) p *= S::extents[static_cast<std::size_t>(a)];
    return p;
  }();
  static constexpr std::ptrdiff_t along = S::extents[static_cast<std::size_t>(P)];
  static constexpr std::ptrdiff_t after = sample_size<S> / (before * along > 0 ? before * along : 1);
};

/// The L2 normalization of tf.linalg.l2_normalize along the middle axis of [before, d, after]:
/// v / sqrt(max(sum v^2, 1e-12)).
inline constexpr double l2_floor = 1e-12;
inline void l2_normalize_middle(const float* x, float* out, std::ptrdiff_t before, std::ptrdiff_t d,
                                std::ptrdiff_t after) {
  for (std::ptrdiff_t p = 0; p < before; ++p) {
    const float* xp = x + p * d * after;
    float* op = out + p * d * after;
    for (std::ptrdiff_t q = 0; q < after; ++q) {
      float s = 0.0f;
      for (std::ptrdiff_t k = 0; k < d; ++k) s += xp[k * after + q] * xp[k * after + q];
      const float inv = 1.0f / std::sqrt(std::max(s, static_cast<float>(l2_floor)));
      for (std::ptrdiff_t k = 0; k < d; ++k) op[k * after + q] = xp[k * after + q] * inv;
    }
  }
}
/// Its gradient, in place: g (dL/d normalized) becomes dL/dx. Where the squared norm s is above the
/// floor, dx = (g - n (n . g)) / sqrt(s); below it, the floor is a constant: dx = g / sqrt(1e-12).
inline void l2_normalize_middle_grad(const float* x, float* g, std::ptrdiff_t before, std::ptrdiff_t d,
                                     std::ptrdiff_t after) {
  for (std::ptrdiff_t p = 0; p < before; ++p) {
    const float* xp = x + p * d * after;
    float* gp = g + p * d * after;
    for (std::ptrdiff_t q = 0; q < after; ++q) {
      float s = 0.0f;
      for (std::ptrdiff_t k = 0; k < d; ++k) s += xp[k * after + q] * xp[k * after + q];
      const float floor = static_cast<float>(l2_floor);
      const float inv = 1.0f / std::sqrt(std::max(s, floor));
      if (s >= floor) {
        float ng = 0.0f;
        for (std::ptrdiff_t k = 0; k < d; ++k) ng += xp[k * after + q] * inv * gp[k * after + q];
        for (std::ptrdiff_t k = 0; k < d; ++k)
          gp[k * after + q] = (gp[k * after + q] - xp[k * after + q] * inv * ng) * inv;
      } else {
        for (std::ptrdiff_t k = 0; k < d; ++k) gp[k * after + q] *= inv;
      }
    }
  }
}

/// One sample: x is [P, D, Q], y is [R, D, S]; out[p, q, r, s] = sum_k x[p, k, q] * y[r, k, s].
/// The three forms a model meets are matrix products (kernels/gemm): both contracted along their
/// last axis (Q = S = 1: attention scores, x y^T), x's last against y's first (Q = R = 1: x y), and
/// both along their first (P = R = 1: x^T y). Any other pair of axes runs the plain loops.
template <std::ptrdiff_t P, std::ptrdiff_t D, std::ptrdiff_t Q, std::ptrdiff_t R, std::ptrdiff_t S>
void dot_sample(const float* x, const float* y, float* out) {
  using namespace kernels::gemm;
  constexpr int p = static_cast<int>(P), d = static_cast<int>(D), q = static_cast<int>(Q), r = static_cast<int>(R),
                s = static_cast<int>(S);
  if constexpr (Q == 1 && S == 1) {
    std::fill_n(out, P * R, 0.0f);
    gemm_nt(p, r, d, x, y, out);
  } else if constexpr (Q == 1 && R == 1) {
    dense<s, d>(p, x, y, nullptr, out, kernels::activation::linear{});
  } else if constexpr (P == 1 && R == 1) {
    std::fill_n(out, Q * S, 0.0f);
    gemm_tn(q, s, d, x, y, out);
  } else {
    for (std::ptrdiff_t i = 0; i < P; ++i)
      for (std::ptrdiff_t j = 0; j < Q; ++j) {
        float* o = out + (i * Q + j) * R * S;
        std::fill_n(o, R * S, 0.0f);
        for (std::ptrdiff_t k = 0; k < D; ++k) {
          const float xv = x[(i * D + k) * Q + j];
          for (std::ptrdiff_t m = 0; m < R; ++m) {
            const float* ym = y + (m * D + k) * S;
            float* om = o + m * S;
            for (std::ptrdiff_t n = 0; n < S; ++n) om[n] += xv * ym[n];
          }
        }
      }
  }
}

/// dx[p, k, q] = sum_{r,s} g[p, q, r, s] y[r, k, s] and dy[r, k, s] = sum_{p,q} g[p, q, r, s] x[p, k, q],
/// for one sample; either may be null. The same three matrix products as dot_sample, transposed.
template <std::ptrdiff_t P, std::ptrdiff_t D, std::ptrdiff_t Q, std::ptrdiff_t R, std::ptrdiff_t S>
void dot_sample_grad(const float* x, const float* y, const float* g, float* dx, float* dy) {
  using namespace kernels::gemm;
  constexpr int p = static_cast<int>(P), d = static_cast<int>(D), q = static_cast<int>(Q), r = static_cast<int>(R),
                s = static_cast<int>(S);
  if constexpr (Q == 1 && S == 1) {  // out = x y^T (P x R)
    if (dx) dense<d, r>(p, g, y, nullptr, dx, kernels::activation::linear{});
    if (dy) {
      std::fill_n(dy, R * D, 0.0f);
      gemm_tn(r, d, p, g, x, dy);
    }
  } else if constexpr (Q == 1 && R == 1) {  // out = x y (P x S)
    if (dx) {
      std::fill_n(dx, P * D, 0.0f);
      gemm_nt(p, d, s, g, y, dx);
    }
    if (dy) {
      std::fill_n(dy, D * S, 0.0f);
      gemm_tn(d, s, p, x, g, dy);
    }
  } else if constexpr (P == 1 && R == 1) {  // out = x^T y (Q x S)
    if (dx) {
      std::fill_n(dx, D * Q, 0.0f);
      gemm_nt(d, q, s, y, g, dx);
    }
    if (dy) dense<s, q>(d, x, g, nullptr, dy, kernels::activation::linear{});
  } else {
    if (dy) std::fill_n(dy, R * D * S, 0.0f);
    for (std::ptrdiff_t i = 0; i < P; ++i)
      for (std::ptrdiff_t j = 0; j < Q; ++j) {
        const float* gr = g + (i * Q + j) * R * S;
        for (std::ptrdiff_t k = 0; k < D; ++k) {
          const std::ptrdiff_t xi = (i * D + k) * Q + j;
          if (dx) {
            float acc = 0.0f;
            for (std::ptrdiff_t m = 0; m < R; ++m) {
              const float* ym = y + (m * D + k) * S;
              for (std::ptrdiff_t n = 0; n < S; ++n) acc += gr[m * S + n] * ym[n];
            }
            dx[xi] = acc;
          }
          if (dy) {
            const float xv = x[xi];
            for (std::ptrdiff_t m = 0; m < R; ++m) {
              float* dym = dy + (m * D + k) * S;
              for (std::ptrdiff_t n = 0; n < S; ++n) dym[n] += gr[m * S + n] * xv;
            }
          }
        }
      }
  }
}

template <int P0, int P1, bool Norm, class X, class Y, class Out>
class dot_layer : public no_parameters {
  using sx = split_at_axis<X, P0>;
  using sy = split_at_axis<Y, P1>;
  static constexpr std::ptrdiff_t nx = sample_size<X>, ny = sample_size<Y>, nout = sample_size<Out>;

 public:
  using input_shapes = type_list<X, Y>;
  using output_shape = Out;
  static constexpr int input_count = 2;
  /// With Normalize: both normalized inputs.
  static constexpr std::size_t scratch_floats(int batch) {
    return Norm ? static_cast<std::size_t>(batch) * static_cast<std::size_t>(nx + ny) : 0;
  }
  /// backward normalizes the inputs again, in the same place.
  static constexpr std::size_t backward_scratch_floats(int batch) { return scratch_floats(batch); }

  void forward(const float* const* in, float* out, int batch, float* scratch) const {
    if (batch <= 0) return;
    const float* x = in[0];
    const float* y = in[1];
    if constexpr (Norm) {
      normalize(x, y, scratch, batch);
      x = scratch;
      y = scratch + nx * batch;
    }
    for (int n = 0; n < batch; ++n)
      dot_sample<sx::before, sx::along, sx::after, sy::before, sy::after>(x + n * nx, y + n * ny, out + n * nout);
  }

  void backward(const float* const* in, const float*, const float* dout, float* const* d, int batch, const float*,
                float* scratch, dot_layer&, const train_context&) const {
    if (batch <= 0 || (!d[0] && !d[1])) return;
    const float* x = in[0];
    const float* y = in[1];
    if constexpr (Norm) {
      normalize(x, y, scratch, batch);
      x = scratch;
      y = scratch + nx * batch;
    }
    for (int n = 0; n < batch; ++n)
      dot_sample_grad<sx::before, sx::along, sx::after, sy::before, sy::after>(
          x + n * nx, y + n * ny, dout + n * nout, d[0] ? d[0] + n * nx : nullptr, d[1] ? d[1] + n * ny : nullptr);
    if constexpr (Norm) {
      if (d[0]) l2_normalize_middle_grad(in[0], d[0], sx::before * batch, sx::along, sx::after);
      if (d[1]) l2_normalize_middle_grad(in[1], d[1], sy::before * batch, sy::along, sy::after);
    }
  }

 private:
  static void normalize(const float* x, const float* y, float* scratch, int batch) {
    l2_normalize_middle(x, scratch, sx::before * batch, sx::along, sx::after);
    l2_normalize_middle(y, scratch + nx * batch, sy::before * batch, sy::along, sy::after);
  }
};

template <class AxesSpec, bool Norm, class X, class Y>
struct dot_binding {
  static constexpr int p0 = dot_sample_axis(AxesSpec::values[0], X::rank);
  static constexpr int p1 = dot_sample_axis(AxesSpec::values[1], Y::rank);
  using type = dot_layer<p0, p1, Norm, X, Y, decltype(dot_rule<AxesSpec, X, Y>::result())>;
};

}  // namespace detail

template <class AxesSpec, class... Options>
struct Dot : detail::functional_call<Dot<AxesSpec, Options...>> {
  static constexpr bool is_merge = true;
  /// Axes first (Dot<Axes<1>>, Keras' Dot(axes=1)), of one or two axes; then at most one Normalize.
  using option_rule =
      decltype(detail::dot_option_rule<error::it_takes<Axes<>, Normalize<true>>, AxesSpec, Options...>());
  static constexpr bool normalize = detail::option_t<detail::is_normalize, Normalize<false>, Options...>::value;
  using axes = AxesSpec;
  static constexpr std::string_view keras_class = "Dot";
  static constexpr std::string_view keras_name = "dot";

  template <class... S>
  static constexpr auto infer_merge(S...) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else
      return detail::dot_rule<AxesSpec, S...>::result();
  }
  template <class... In>
  using bind = typename detail::dot_binding<AxesSpec, normalize, In...>::type;
};

}  // namespace tshape
