// Reshape<D...>: one sample's elements seen with the extents D... (row-major, no data moves), as
// Keras' Reshape(target_shape). One extent may be -1: it is inferred from the element count. That the
// counts agree is proved at compile time; seed 001's Reshape((32*32*32,)) after a 'valid' 3x3
// convolution of 32x32x1 (28,800 elements) does not compile.
#pragma once
#include <string_view>

#include "../diagnostics/shape_rules.hpp"
#include "layer.hpp"

namespace tshape {

template <int... D>
struct Reshape : detail::functional_call<Reshape<D...>> {
  static constexpr std::string_view keras_class = "Reshape";
  static constexpr std::string_view keras_name = "reshape";
  /// void, or the option mistake the model reports: no extents, or one that is neither positive nor
  /// the one -1 to infer.
  using option_rule = std::conditional_t<(sizeof...(D) > 0 && ((D > 0 || D == -1) && ...)), void,
                                         mismatch<error::BAD_OPTION_VALUE, error::extents_positive_or_one_minus_1<D...>>>;

  template <int... S>
  static constexpr auto infer(Shape<S...>) {
    if constexpr (!std::is_void_v<option_rule>)
      return option_rule{};
    else
      return reshape_rule_t<Shape<S...>, Shape<D...>, error::got<Shape<S...>>>{};
  }
  template <class In>
  using bind = detail::relabel_layer<In, decltype(infer(In{}))>;
};

}  // namespace tshape
