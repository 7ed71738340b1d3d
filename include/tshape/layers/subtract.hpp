// Subtract: x0 - x1, as Keras' Subtract.
//
// A merge layer (functional models): exactly two inputs, whose per-sample shapes broadcast as NumPy's (aligned
// on the right; along each axis equal extents, or 1). Otherwise the rule gives
// mismatch<error::MERGE_SHAPE_MISMATCH, error::input_shape<None, D...>...>, one input_shape per input.
// No parameters. layers/merging.hpp has the shape rule and the loops.
#pragma once
#include <string_view>

#include "merging.hpp"

namespace tshape {

struct Subtract : detail::elementwise_merge_spec<detail::subtract_op, 2, 2>, detail::functional_call<Subtract> {
  static constexpr std::string_view keras_class = "Subtract";
  static constexpr std::string_view keras_name = "subtract";
};

}  // namespace tshape
