// What the pooling layers share (MaxPooling2D, AveragePooling2D, their 1D forms, and the global
// pools): options, the shape rule and the bound layer. Each layer's own header names it as Keras does.
//
// Options, in any order: Pool<...> (default 2 per axis), Strides<...> (default: the pool size, as
// Keras' strides=None), Padding::valid (default) or Padding::same. Pooling has no parameters; its
// backward passes gradients on as Keras' do (kernels/pool/backward.hpp).
#pragma once
#include <cstddef>
#include <type_traits>

#include "../kernels/pool/backward.hpp"
#include "../kernels/pool/pool.hpp"
#include "conv2d.hpp"
#include "layer.hpp"
#include "options.hpp"

namespace tshape::detail {

template <class O>
struct pool_takes : std::bool_constant<is_pool<O>::value || is_strides<O>::value ||
                                       (is_padding<O>::value && !std::is_same_v<O, Padding::causal>)> {};

template <int Rank, class... Options>
struct pool_options {
  using pool_t = option_t<is_pool, Pool<2>, Options...>;
  using strides_t = option_t<is_strides, pool_t, Options...>;
  static constexpr auto p = window_values<pool_t, Rank>();
  static constexpr auto s = window_values<strides_t, Rank>();
  static constexpr int kh = Rank == 2 ? p[0] : 1, kw = p[Rank - 1];
  static constexpr int sh = Rank == 2 ? s[0] : 1, sw = s[Rank - 1];
  static constexpr bool same = option_t<is_padding, Padding::valid, Options...>::is_same;

  /// void, or the option mistake the model reports (layer.hpp).
  static constexpr auto check() {
    using R = options_rule_t<error::it_takes<Pool<>, Strides<>, Padding::valid, Padding::same>, pool_takes,
                             type_list<Options...>, is_pool, is_strides, is_padding>;
    if constexpr (!std::is_void_v<R>)
      return R{};
    else if constexpr (!window_option_fits<pool_t, Rank>() || !window_option_fits<strides_t, Rank>())
      return mismatch<error::BAD_OPTION_VALUE,
                      error::values_must_be_positive_one_per_axis_or_one_for_all<pool_t, strides_t>>{};
    else
      return;
  }
  using rule = decltype(check());
};

/// Max (Max = true) or average pooling over Rank spatial axes.
template <int Rank, bool Max, class... Options>
struct pooling_layer {
  using opts = pool_options<Rank, Options...>;

  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using R = decltype(window_rule<Rank, opts::kh, opts::kw, opts::same, D...>());
    if constexpr (!std::is_void_v<typename opts::rule>) {
      return typename opts::rule{};
    } else if constexpr (!std::is_void_v<R>) {
      return R{};
    } else {
      using sp = spatial<Rank, D...>;
      constexpr int oh = window_output(sp::rows, opts::kh, opts::sh, opts::same);
      constexpr int ow = window_output(sp::cols, opts::kw, opts::sw, opts::same);
      if constexpr (Rank == 2)
        return Shape<oh, ow, sp::channels>{};
      else
        return Shape<ow, sp::channels>{};
    }
  }

  template <class In>
  struct bind {
    using sp = typename detail::spatial_of<Rank, In>::type;
    static constexpr kernels::window_geometry geometry = kernels::make_geometry(
        sp::rows, sp::cols, sp::channels, opts::kh, opts::kw, opts::sh, opts::sw, 1, 1, opts::same, sp::channels);

    using input_shape = In;
    using output_shape = decltype(infer(In{}));
    static constexpr long long param_count = 0;
    static constexpr long long non_trainable_count = 0;
    static constexpr std::size_t scratch_floats(int) { return 0; }

    void forward(const float* x, float* y, int batch, float*) const {
      if constexpr (Max)
        kernels::pool::max_pool(geometry, x, y, batch);
      else
        kernels::pool::average_pool(geometry, x, y, batch);
    }
    /// Keras' gradients: max to the first maximum of each window (found again from x and y), average
    /// spread over the window's real cells.
    void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (!dx) return;
      if constexpr (Max)
        kernels::pool::max_pool_backward(geometry, x, y, dy, dx, batch);
      else
        kernels::pool::average_pool_backward(geometry, dy, dx, batch);
    }
    template <class F>
    constexpr void for_each_weight(F&&) {}
    template <class F>
    constexpr void for_each_weight(F&&) const {}
    template <class R>
    void initialize(R&) {}
  };
};

/// The mean (or maximum) over every spatial position: (rows, cols, channels) -> (channels) for
/// Rank 2, (steps, channels) -> (channels) for Rank 1.
template <int Rank, bool Max>
struct global_pooling_layer {
  template <int... D>
  static constexpr auto infer(Shape<D...>) {
    using R = decltype(window_rule<Rank, 1, 1, true, D...>());
    if constexpr (!std::is_void_v<R>)
      return R{};
    else
      return Shape<spatial<Rank, D...>::channels>{};
  }

  template <class In>
  struct bind {
    static constexpr int channels = last_extent_v<In>;
    static constexpr int cells = static_cast<int>(In::static_size / channels);

    using input_shape = In;
    using output_shape = Shape<channels>;
    static constexpr long long param_count = 0;
    static constexpr long long non_trainable_count = 0;
    static constexpr std::size_t scratch_floats(int) { return 0; }

    void forward(const float* x, float* y, int batch, float*) const {
      if constexpr (Max)
        kernels::pool::global_max_pool(x, y, batch, cells, channels);
      else
        kernels::pool::global_average_pool(x, y, batch, cells, channels);
    }
    void backward(const float* x, const float* y, const float* dy, float* dx, int batch, const float*, float*, bind&,
                  const train_context&) const {
      if (!dx) return;
      if constexpr (Max)
        kernels::pool::global_max_pool_backward(x, y, dy, dx, batch, cells, channels);
      else
        kernels::pool::global_average_pool_backward(dy, dx, batch, cells, channels);
    }
    template <class F>
    constexpr void for_each_weight(F&&) {}
    template <class F>
    constexpr void for_each_weight(F&&) const {}
    template <class R>
    void initialize(R&) {}
  };
};

}  // namespace tshape::detail
