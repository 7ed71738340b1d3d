// Multiply: x0 * x1 * ..., as Keras' Multiply: the inputs' product, element by element.
//
// A merge layer (functional models): two or more inputs, whose per-sample shapes broadcast as NumPy's (aligned
// on the right; along each axis equal extents, or 1). Otherwise the rule gives
// mismatch<error::MERGE_SHAPE_MISMATCH, error::input_shape<None, D...>...>, one input_shape per input.
// No parameters. layers/merging.hpp has the shape rule and the loops.
#pragma once
#include <string_view>

#include "merging.hpp"

namespace tshape {

struct Multiply : detail::elementwise_merge_spec<detail::multiply_op, 2, 0>, detail::functional_call<Multiply> {
  static constexpr std::string_view keras_class = "Multiply";
  static constexpr std::string_view keras_name = "multiply";
};

}  // namespace tshape
