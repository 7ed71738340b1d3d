// What the merge layers share (Add, Subtract, Multiply, Average, Maximum, Minimum; Concatenate and
// Dot use the small helpers only): Keras' broadcasting shape rule, and one bound layer for every
// element-wise merge, parameterised by its operation.
//
// Shapes. Keras' element-wise merges broadcast one sample's shapes as NumPy does: aligned on the
// right, a missing leading axis counts as 1, and along each axis the extents are equal or one is 1.
// The batch is never broadcast (every input has the same samples).
//
// Running. The common case, every input of the output's size, is one row of batch x size floats.
// With broadcasting, the output is walked in rows: axes along which every input is either whole or
// broadcast alike are merged, the last merged axis is the row, and each input's row is contiguous
// (stride 1) or one repeated value (stride 0), both known at compile time. A row of the forward pass
// runs on SIMD registers (kernels/merge/elementwise.hpp); the gradients' rows are plain loops the
// compiler vectorizes. A broadcast input's gradient is the sum of the output gradients that read it.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../diagnostics/error.hpp"
#include "../kernels/merge/elementwise.hpp"
#include "../shape/shape.hpp"
#include "layer.hpp"

namespace tshape {

namespace error {
// Details of merges given the wrong number of inputs (Subtract and Dot take exactly two, the others
// at least two). They sit with the merges, which alone use them.
template <int N> struct expected_input_count {};
template <int N> struct expected_input_count_at_least {};
}  // namespace error

namespace detail {

/// `error::input_shape<None, D...>` for one input's per-sample shape S.
template <class S>
struct merge_input_detail;
template <int... D>
struct merge_input_detail<Shape<D...>> {
  using type = error::input_shape<error::None, error::extent<D>...>;
};
template <class S>
using merge_input_t = typename merge_input_detail<S>::type;

/// Extent A of per-sample shape S right-aligned to rank R (a missing leading axis is 1).
template <class S, int R>
constexpr int aligned_extent(int a) {
  const int i = a - (R - S::rank);
  return i < 0 ? 1 : S::extents[static_cast<std::size_t>(i)];
}

template <int R>
struct broadcast_outcome {
  bool ok = true;
  std::array<int, static_cast<std::size_t>(R)> extents{};
};

/// Keras' rule for two extents (its _compute_elemwise_op_output_shape): equal, or 1 against
/// anything, or None against anything but a conflicting static extent. -2: they do not broadcast.
constexpr int broadcast_extent(int a, int b) {
  if (a == b) return a;
  if (a == 1) return b;
  if (b == 1) return a;
  if (a == dyn || b == dyn) return dyn;
  return -2;
}

template <class... S>
constexpr auto broadcast_extents() {
  constexpr int R = std::max({0, S::rank...});
  broadcast_outcome<R> out;
  for (int a = 0; a < R; ++a) {
    int e = 1;
    ((e = e == -2 ? -2 : broadcast_extent(e, aligned_extent<S, R>(a))), ...);
    if (e == -2) out.ok = false;
    out.extents[static_cast<std::size_t>(a)] = e == -2 ? 0 : e;
  }
  return out;
}

/// The output Shape of an element-wise merge of per-sample shapes S..., or its mismatch.
template <int MinInputs, int MaxInputs, class... S>
constexpr auto broadcast_rule() {
  constexpr int n = static_cast<int>(sizeof...(S));
  if constexpr (MaxInputs > 0 && MinInputs == MaxInputs && n != MaxInputs) {
    return mismatch<error::MERGE_SHAPE_MISMATCH, error::expected_input_count<MaxInputs>, merge_input_t<S>...>{};
  } else if constexpr (n < MinInputs) {
    return mismatch<error::MERGE_SHAPE_MISMATCH, error::expected_input_count_at_least<MinInputs>,
                    merge_input_t<S>...>{};
  } else {
    constexpr auto b = broadcast_extents<S...>();
    if constexpr (!b.ok)
      return mismatch<error::MERGE_SHAPE_MISMATCH, merge_input_t<S>...>{};
    else
      return shape_from_array_t<b.extents>{};
  }
}

/// How an element-wise merge walks its output when some input is broadcast (see the header):
/// `dims` merged axes, the last one the row; per input, the stride of each merged axis (0 where the
/// input is broadcast). Axes of extent 1 in the output are dropped.
template <std::size_t Cap, std::size_t K>
struct broadcast_layout {
  int dims = 0;
  std::array<std::ptrdiff_t, Cap> extent{};
  std::array<std::array<std::ptrdiff_t, Cap>, K> stride{};
};

/// Every extent of S right-aligned to rank R (in an array of Cap >= R).
template <class S, int R, std::size_t Cap>
constexpr std::array<int, Cap> aligned_extents() {
  std::array<int, Cap> e{};
  for (int a = 0; a < R; ++a) e[static_cast<std::size_t>(a)] = aligned_extent<S, R>(a);
  return e;
}

template <class Out, class... In>
constexpr auto make_broadcast_layout() {
  constexpr std::size_t K = sizeof...(In);
  constexpr int R = Out::rank;
  constexpr std::size_t cap = static_cast<std::size_t>(R) + 1;
  broadcast_layout<cap, K> l;
  const std::array<std::array<int, cap>, K> padded{aligned_extents<In, R, cap>()...};
  std::array<std::array<bool, K>, cap> masks{};  // per merged axis, which inputs it broadcasts
  for (int a = 0; a < R; ++a) {
    const std::ptrdiff_t o = Out::extents[static_cast<std::size_t>(a)];
    if (o == 1) continue;
    std::array<bool, K> mask{};  // any number of inputs, as Keras' merges take
    for (std::size_t k = 0; k < K; ++k) mask[k] = padded[k][static_cast<std::size_t>(a)] == 1;
    std::array<std::ptrdiff_t, K> s{};
    for (std::size_t k = 0; k < K; ++k) {
      std::ptrdiff_t c = 1;  // the input's own contiguous stride of axis a
      for (int b = a + 1; b < R; ++b) c *= padded[k][static_cast<std::size_t>(b)];
      s[k] = mask[k] ? 0 : c;
    }
    if (l.dims > 0 && masks[static_cast<std::size_t>(l.dims - 1)] == mask) {
      // Merged with the axis before: the merged index runs over both, at the inner stride.
      l.extent[static_cast<std::size_t>(l.dims - 1)] *= o;
      for (std::size_t k = 0; k < K; ++k) l.stride[k][static_cast<std::size_t>(l.dims - 1)] = s[k];
    } else {
      masks[static_cast<std::size_t>(l.dims)] = mask;
      l.extent[static_cast<std::size_t>(l.dims)] = o;
      for (std::size_t k = 0; k < K; ++k) l.stride[k][static_cast<std::size_t>(l.dims)] = s[k];
      ++l.dims;
    }
  }
  if (l.dims == 0) {  // one element per sample
    l.extent[0] = 1;
    for (std::size_t k = 0; k < K; ++k) l.stride[k][0] = 1;
    l.dims = 1;
  }
  return l;
}

template <class Out, class... In>
struct broadcast_plan {
  static constexpr std::size_t K = sizeof...(In);
  static constexpr auto plan = make_broadcast_layout<Out, In...>();
  static constexpr std::ptrdiff_t row = plan.extent[static_cast<std::size_t>(plan.dims - 1)];
  static constexpr std::ptrdiff_t rows_per_sample = sample_size<Out> / (row > 0 ? row : 1);
  /// Input k's stride along the row: 1 (contiguous) or 0 (one value repeated).
  template <std::size_t k>
  static constexpr std::ptrdiff_t row_stride = plan.stride[k][static_cast<std::size_t>(plan.dims - 1)];
  /// True for an input of the output's size: not broadcast at all.
  static constexpr std::array<bool, K> whole{(sample_size<In> == sample_size<Out>)...};
  static constexpr bool none_broadcast = (... && (sample_size<In> == sample_size<Out>));

  /// Input k's offset (within one sample) of the output's row r.
  template <std::size_t k>
  static constexpr std::ptrdiff_t row_offset(std::ptrdiff_t r) {
    std::ptrdiff_t off = 0;
    for (int d = plan.dims - 2; d >= 0; --d) {
      const std::ptrdiff_t e = plan.extent[static_cast<std::size_t>(d)];
      off += (r % e) * plan.stride[k][static_cast<std::size_t>(d)];
      r /= e;
    }
    return off;
  }
};

// The element-wise operations: the forward kernel's operation (kernels/merge, which folds the inputs
// left to right as Keras does: ((x0 + x1) + x2) ...), and grad<k>, d(output)/d(input k) times dy
// at one element, from every input's value there.
struct add_op {
  static constexpr kernels::merge::op kernel = kernels::merge::op::add;
  static constexpr bool mean = false;
  template <std::size_t k, std::size_t K>
  static constexpr float grad(float dy, const float (&)[K]) { return dy; }
};
struct subtract_op {
  static constexpr kernels::merge::op kernel = kernels::merge::op::subtract;
  static constexpr bool mean = false;
  template <std::size_t k, std::size_t K>
  static constexpr float grad(float dy, const float (&)[K]) { return k == 0 ? dy : -dy; }
};
struct multiply_op {
  static constexpr kernels::merge::op kernel = kernels::merge::op::multiply;
  static constexpr bool mean = false;
  template <std::size_t k, std::size_t K>
  static constexpr float grad(float dy, const float (&v)[K]) {
    float g = dy;
    for (std::size_t j = 0; j < K; ++j)
      if (j != k) g *= v[j];
    return g;
  }
};
struct average_op {
  static constexpr kernels::merge::op kernel = kernels::merge::op::add;
  static constexpr bool mean = true;
  template <std::size_t k, std::size_t K>
  static constexpr float grad(float dy, const float (&)[K]) { return dy / static_cast<float>(K); }
};
/// The gradient goes to the first input holding the extreme value, as TensorFlow's maximum routes a
/// tie to its first argument (and Keras folds its inputs left to right).
template <bool Max>
struct extreme_op {
  static constexpr kernels::merge::op kernel = Max ? kernels::merge::op::maximum : kernels::merge::op::minimum;
  static constexpr bool mean = false;
  static constexpr bool beats(float a, float b) { return Max ? a > b : a < b; }
  template <std::size_t k, std::size_t K>
  static constexpr float grad(float dy, const float (&v)[K]) {
    bool first = true;
    for (std::size_t j = 0; j < K; ++j) {
      if (j < k) first = first && beats(v[k], v[j]);
      if (j > k) first = first && !beats(v[j], v[k]);
    }
    return first ? dy : 0.0f;
  }
};
using maximum_op = extreme_op<true>;
using minimum_op = extreme_op<false>;

/// How a row of one input's gradient is stored: written (an input that is not broadcast), added
/// (broadcast along another axis) or summed into one value (broadcast along the row).
enum class grad_store { assign, accumulate, reduce };

/// The bound layer of every element-wise merge.
template <class Op, class Out, class... In>
class elementwise_merge : public no_parameters {
  static constexpr std::size_t K = sizeof...(In);
  using plan = broadcast_plan<Out, In...>;
  static constexpr std::array<std::ptrdiff_t, K> in_size{sample_size<In>...};
  static constexpr std::ptrdiff_t out_size = sample_size<Out>;

 public:
  using input_shapes = type_list<In...>;
  using output_shape = Out;
  static constexpr int input_count = static_cast<int>(K);

  void forward(const float* const* x, float* y, int batch, float*) const {
    if (batch <= 0) return;
    if constexpr (plan::none_broadcast) {
      forward_row(x, y, out_size * batch, std::make_index_sequence<K>{}, ones());
    } else {
      std::array<const float*, K> xr{};
      for (int n = 0; n < batch; ++n) {
        for (std::ptrdiff_t r = 0; r < plan::rows_per_sample; ++r) {
          for_each_index<K>([&](auto kc) {
            constexpr std::size_t k = decltype(kc)::value;
            xr[k] = x[k] + n * in_size[k] + plan::template row_offset<k>(r);
          });
          forward_row(xr.data(), y + n * out_size + r * plan::row, plan::row, std::make_index_sequence<K>{},
                      row_strides());
        }
      }
    }
  }

  void backward(const float* const* x, const float*, const float* dy, float* const* dx, int batch, const float*,
                float*, elementwise_merge&, const train_context&) const {
    if (batch <= 0) return;
    if constexpr (plan::none_broadcast) {
      const std::ptrdiff_t n = out_size * batch;
      for_each_index<K>([&](auto kc) {
        constexpr std::size_t k = decltype(kc)::value;
        if (!dx[k]) return;
        if constexpr (std::is_same_v<Op, add_op>)
          std::copy_n(dy, n, dx[k]);  // Add passes dy on as it is
        else
          grad_row<k, grad_store::assign>(x, dy, dx[k], n, std::make_index_sequence<K>{}, ones());
      });
    } else {
      for_each_index<K>([&](auto kc) {
        constexpr std::size_t k = decltype(kc)::value;
        if (!dx[k]) return;
        if (!plan::whole[k]) std::fill_n(dx[k], in_size[k] * batch, 0.0f);
        constexpr grad_store store = plan::whole[k]                    ? grad_store::assign
                                     : plan::template row_stride<k> == 1 ? grad_store::accumulate
                                                                         : grad_store::reduce;
        std::array<const float*, K> xr{};
        for (int n = 0; n < batch; ++n) {
          for (std::ptrdiff_t r = 0; r < plan::rows_per_sample; ++r) {
            for_each_index<K>([&](auto jc) {
              constexpr std::size_t j = decltype(jc)::value;
              xr[j] = x[j] + n * in_size[j] + plan::template row_offset<j>(r);
            });
            float* d = dx[k] + n * in_size[k] + plan::template row_offset<k>(r);
            grad_row<k, store>(xr.data(), dy + n * out_size + r * plan::row, d, plan::row,
                               std::make_index_sequence<K>{}, row_strides());
          }
        }
      });
    }
  }

 private:
  template <std::ptrdiff_t... S>
  struct strides {};
  template <std::size_t... J>
  static constexpr auto ones_of(std::index_sequence<J...>) {
    return strides<(static_cast<void>(J), std::ptrdiff_t{1})...>{};
  }
  static constexpr auto ones() { return ones_of(std::make_index_sequence<K>{}); }
  template <std::size_t... J>
  static constexpr auto row_strides_of(std::index_sequence<J...>) {
    return strides<plan::template row_stride<J>...>{};
  }
  static constexpr auto row_strides() { return row_strides_of(std::make_index_sequence<K>{}); }

  // y[i] = x0[i] op x1[i] op ..., each input read at its stride (0: one repeated value).
  template <std::size_t... J, std::ptrdiff_t... S>
  static void forward_row(const float* const* x, float* y, std::ptrdiff_t len, std::index_sequence<J...>,
                          strides<S...>) {
    kernels::merge::combine_row<kernels::simd::native, Op::kernel, Op::mean, S...>(x, y, len);
  }

  // Row of input k's gradient: d[i] (=, += or summed) grad<k>(dy[i], every input's value at i).
  template <std::size_t k, grad_store Store, std::size_t... J, std::ptrdiff_t... S>
  static void grad_row(const float* const* x, const float* dy, float* d, std::ptrdiff_t len, std::index_sequence<J...>,
                       strides<S...>) {
    const std::array<const float*, K> xr{x[J]...};
    if constexpr (Store == grad_store::reduce) {
      float sum = 0.0f;
      for (std::ptrdiff_t i = 0; i < len; ++i) {
        const float v[K] = {xr[J][i * S]...};
        sum += Op::template grad<k, K>(dy[i], v);
      }
      d[0] += sum;
    } else {
      for (std::ptrdiff_t i = 0; i < len; ++i) {
        const float v[K] = {xr[J][i * S]...};
        const float g = Op::template grad<k, K>(dy[i], v);
        if constexpr (Store == grad_store::assign)
          d[i] = g;
        else
          d[i] += g;
      }
    }
  }
};

/// The members shared by the element-wise merge specs: is_merge, the broadcasting rule and bind.
/// MaxInputs 0: no upper bound.
template <class Op, int MinInputs, int MaxInputs>
struct elementwise_merge_spec {
  static constexpr bool is_merge = true;
  template <class... S>
  static constexpr auto infer_merge(S...) {
    return broadcast_rule<MinInputs, MaxInputs, S...>();
  }
  template <class... In>
  using bind = elementwise_merge<Op, decltype(broadcast_rule<MinInputs, MaxInputs, In...>()), In...>;
};

}  // namespace detail
}  // namespace tshape
