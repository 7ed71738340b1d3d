// Dropout<Rate<Num, Den>>: Keras' Dropout(rate = Num / Den). At inference it is the identity (Keras
// scales during training, so nothing is rescaled here); it keeps its place in summaries and names.
//
// Training (Keras' call(training=True)), inverted dropout: each element is kept with probability
// 1 - rate, drawn from train_context::rng, and the kept ones are scaled by 1 / (1 - rate), so that
// the expected output is the input. With training false it stays the identity.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

#include "../diagnostics/runtime.hpp"
#include "layer.hpp"

namespace tshape {

/// A fraction Num / Den in [0, 1), e.g. Dropout<Rate<1, 2>>. (Rate<> is 0, and names the option in errors.)
template <int Num = 0, int Den = 1>
struct Rate {
  static constexpr bool valid = Den > 0 && Num >= 0 && Num < Den;
  static constexpr double value = valid ? static_cast<double>(Num) / Den : 0.0;
};

namespace detail {
template <class T>
struct is_rate : std::false_type {};
template <int Num, int Den>
struct is_rate<Rate<Num, Den>> : std::true_type {};

/// Dropout's option rule (layer.hpp): one Rate, in [0, 1) (Rate<50> written for 50 % is not).
template <class... Options>
constexpr auto dropout_option_rule() {
  using R = options_rule_t<error::it_takes<Rate<>>, is_rate, type_list<Options...>, is_rate>;
  using rate = option_t<is_rate, Rate<>, Options...>;
  if constexpr (!std::is_void_v<R>)
    return R{};
  else if constexpr (sizeof...(Options) == 0)
    return mismatch<error::BAD_OPTION_VALUE, error::needs_option<Rate<>>>{};
  else if constexpr (!rate::valid)
    return mismatch<error::BAD_OPTION_VALUE, error::rate_in_0_1<rate>>{};
  else
    return;
}
}  // namespace detail

/// Keras' Dropout(rate): Dropout<Rate<1, 5>> is Dropout(0.2).
template <class... Options>  // Keras' Dropout(0.5) is Dropout<Rate<1, 2>>: options are types
struct Dropout : detail::functional_call<Dropout<Options...>> {
  using rate_option = detail::option_t<detail::is_rate, Rate<>, Options...>;
  static constexpr double rate = rate_option::value;
  static constexpr std::string_view keras_class = "Dropout";
  static constexpr std::string_view keras_name = "dropout";
  /// void, or the option mistake the model reports (layer.hpp).
  using option_rule = decltype(detail::dropout_option_rule<Options...>());

  template <int... S>
  static constexpr auto infer(Shape<S...> s) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else
      return s;
  }
  template <class In>
  struct bind : detail::relabel_layer<In, In> {
    /// The factor of each element in the last forward_train: 0 (dropped) or 1 / (1 - rate).
    static constexpr std::size_t saved_floats(int batch) {
      return static_cast<std::size_t>(batch) * static_cast<std::size_t>(detail::sample_size<In>);
    }

    void forward_train(const float* x, float* y, int batch, float* saved, float*, const train_context& ctx) const {
      if (batch <= 0) return;
      const std::ptrdiff_t n = detail::sample_size<In> * batch;
      if (!ctx.training || rate == 0.0) {
        std::copy_n(x, n, y);
        std::fill_n(saved, n, 1.0f);
        return;
      }
      if (!ctx.rng)
        raise(make_error(errc::invalid_argument, "Dropout in training draws its masks from train_context::rng, which is null"));
      const auto drop = static_cast<float>(rate);
      const auto scale = static_cast<float>(1.0 / (1.0 - rate));
      for (std::ptrdiff_t i = 0; i < n; ++i) {
        saved[i] = ctx.rng->uniform(0.0f, 1.0f) >= drop ? scale : 0.0f;
        y[i] = x[i] * saved[i];
      }
    }

    void backward(const float*, const float*, const float* dy, float* dx, int batch, const float* saved, float*, bind&,
                  const train_context&) const {
      if (!dx || batch <= 0) return;
      const std::ptrdiff_t n = detail::sample_size<In> * batch;
      for (std::ptrdiff_t i = 0; i < n; ++i) dx[i] = dy[i] * saved[i];
    }
  };
};

}  // namespace tshape
